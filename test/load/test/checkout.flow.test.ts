import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@rebound/resilience/testing';
import { type CheckoutContext, placeOrder, retryAfterMs } from '../src/checkout.flow.ts';
import type { CheckoutCounters } from '../src/load.stats.ts';
import { seededRandom } from '../src/seeded.random.ts';
import { answer, fakeTransport, order, type Responder, refusal } from './support/fake.transport.ts';

const LINES = [{ productId: 'p-duck', quantity: 2 }];

function setup(respond: Responder, limits: Partial<CheckoutContext['limits']> = {}) {
  const clock = new FakeClock();
  const transport = fakeTransport(respond, () => clock.now());
  const counters: CheckoutCounters = {
    accepted: 0,
    polls: 0,
    resends: 0,
    confirmed: 0,
    cancelled: 0,
    gaveUpPending: 0,
    gaveUpUnknown: 0,
  };
  const context: CheckoutContext = {
    send: transport,
    clock,
    random: seededRandom(1),
    counters,
    limits: { maxFollowUps: 5, maxWaitMs: 30_000, maxRetryAfterMs: 10_000, thinkMs: 0, ...limits },
  };
  return { clock, transport, counters, context };
}

describe('placeOrder: the client contract of POST /api/orders', () => {
  it('takes a 201 as final: one request with a JSON body and the Idempotency-Key', async () => {
    const { transport, counters, context } = setup(() =>
      answer(201, order('o-1', 'CONFIRMED'), { location: '/api/orders/o-1' }),
    );
    const result = await placeOrder(context, 'key-a', LINES, 'k-1');
    assert.deepEqual(result, { outcome: 'ok', status: 201, orderId: 'o-1', orderStatus: 'CONFIRMED' });
    assert.equal(transport.sent.length, 1);
    const sent = transport.sent[0]?.request;
    assert.equal(sent?.headers['idempotency-key'], 'k-1');
    assert.equal(sent?.headers['content-type'], 'application/json');
    assert.equal(sent?.headers['x-api-key'], 'key-a');
    assert.deepEqual(JSON.parse(sent?.body ?? ''), { lines: LINES });
    assert.equal(counters.confirmed, 1);
  });

  it('follows a 202: waits Retry-After, then polls Location until the order is final', async () => {
    const { clock, transport, counters, context } = setup((request) => {
      if (request.method === 'POST') {
        return answer(202, order('o-7', 'PENDING'), { location: '/api/orders/o-7', 'retry-after': '2' });
      }
      return transport.sent.length < 3
        ? answer(200, order('o-7', 'PENDING'))
        : answer(200, order('o-7', 'CANCELLED'));
    });
    const placing = placeOrder(context, 'key-a', LINES, 'k-2');
    await clock.tick(1_999);
    assert.equal(transport.sent.length, 1, 'no poll before Retry-After');
    await clock.tick(1);
    assert.equal(transport.sent.length, 2);
    assert.deepEqual(transport.sent[1]?.request, {
      method: 'GET',
      path: '/api/orders/o-7',
      headers: { 'x-api-key': 'key-a' },
    });
    // A PENDING poll without Retry-After waits 1 s.
    await clock.tick(1_000);
    const result = await placing;
    assert.equal(result.outcome, 'ok');
    assert.equal(result.orderStatus, 'CANCELLED');
    assert.deepEqual(
      transport.sent.map((s) => s.at),
      [0, 2_000, 3_000],
    );
    assert.deepEqual(
      { accepted: counters.accepted, polls: counters.polls, cancelled: counters.cancelled },
      { accepted: 1, polls: 2, cancelled: 1 },
    );
  });

  it('re-sends the same request with the same key after 503 order_state_unknown', async () => {
    const { clock, transport, counters, context } = setup((_request, index) =>
      index === 0
        ? refusal(503, 'order_state_unknown', { 'retry-after': '1' })
        : answer(201, order('o-3', 'CONFIRMED'), { 'idempotent-replayed': 'true' }),
    );
    const placing = placeOrder(context, 'key-b', LINES, 'k-3');
    await clock.tick(1_000);
    const result = await placing;
    assert.equal(result.outcome, 'ok');
    assert.equal(transport.sent.length, 2);
    assert.deepEqual(transport.sent[1]?.request, transport.sent[0]?.request, 'the very same request');
    assert.equal(transport.sent[1]?.at, 1_000);
    assert.equal(counters.resends, 1);
  });

  it('re-sends with the same key when a request got no answer at all', async () => {
    const { clock, transport, context } = setup((_request, index) =>
      index === 0
        ? Object.assign(new Error('socket hang up'), { code: 'UND_ERR_SOCKET' })
        : answer(201, order('o-4', 'CONFIRMED')),
    );
    const placing = placeOrder(context, 'key-a', LINES, 'k-4');
    await clock.tick(1_000);
    assert.equal((await placing).outcome, 'ok');
    assert.equal(transport.sent[1]?.request.headers['idempotency-key'], 'k-4');
  });

  it('does not re-send after 429 throttled or 503 overloaded: those are final', async () => {
    for (const [refused, outcome] of [
      [refusal(429, 'throttled', { 'retry-after': '1' }), 'throttled'],
      [refusal(503, 'overloaded', { 'retry-after': '1' }), 'shed'],
      [refusal(400, 'bad_request'), 'rejected'],
    ] as const) {
      const { clock, transport, context } = setup(() => refused);
      const placing = placeOrder(context, 'key-a', LINES, 'k-5');
      await clock.tick(10_000);
      const result = await placing;
      assert.equal(result.outcome, outcome);
      assert.equal(result.reason, `${refused.status} ${(refused.body as { error: string }).error}`);
      assert.equal(transport.sent.length, 1);
    }
  });

  it('keeps polling through a refused poll: the order exists', async () => {
    const { clock, context } = setup((request, index) => {
      if (request.method === 'POST')
        return answer(202, order('o-5', 'PENDING'), { location: '/api/orders/o-5' });
      return index === 1
        ? refusal(503, 'overloaded', { 'retry-after': '1' })
        : answer(200, order('o-5', 'CONFIRMED'));
    });
    const placing = placeOrder(context, 'key-a', LINES, 'k-6');
    await clock.tick(2_000);
    assert.equal((await placing).orderStatus, 'CONFIRMED');
  });

  it('gives up on an order PENDING past its bounds, as failed', async () => {
    const { clock, transport, counters, context } = setup(
      (request) =>
        request.method === 'POST'
          ? answer(202, order('o-6', 'PENDING'), { location: '/api/orders/o-6', 'retry-after': '1' })
          : answer(200, order('o-6', 'PENDING')),
      { maxFollowUps: 3 },
    );
    const placing = placeOrder(context, 'key-a', LINES, 'k-7');
    await clock.tick(10_000);
    const result = await placing;
    assert.equal(result.outcome, 'failed');
    assert.equal(result.orderStatus, 'PENDING');
    assert.equal(transport.sent.length, 4, 'the POST and three polls');
    assert.equal(counters.gaveUpPending, 1);
  });

  it('stops waiting at once when the run stops', async () => {
    const stop = new AbortController();
    const { context } = setup(() => refusal(503, 'order_state_unknown', { 'retry-after': '5' }));
    const placing = placeOrder({ ...context, signal: stop.signal }, 'key-a', LINES, 'k-8');
    await new Promise((resolve) => setImmediate(resolve));
    stop.abort();
    assert.equal((await placing).outcome, 'shed');
  });
});

describe('retryAfterMs', () => {
  it('reads seconds or an HTTP date, and falls back to 1 s', () => {
    assert.equal(retryAfterMs({ 'retry-after': '3' }), 3_000);
    assert.equal(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4_000), 6_000);
    assert.equal(retryAfterMs({}), 1_000);
    assert.equal(retryAfterMs({ 'retry-after': 'soon' }), 1_000);
  });
});
