import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@rebound/resilience/testing';
import { parseCommand } from '../src/control.commands.ts';
import type { HttpRequest, HttpResponse } from '../src/http.transport.ts';
import { LoadRunner, type LoadRunnerOptions } from '../src/load.runner.ts';
import type { SecondStats } from '../src/load.stats.ts';
import { seededRandom } from '../src/seeded.random.ts';
import { answer, fakeTransport, order, type Responder, refusal } from './support/fake.transport.ts';

const PRODUCTS = { products: [{ id: 'p-1' }, { id: 'p-2' }, { id: 'p-3' }] };

/** Answers like a healthy gateway. */
const healthy: Responder = (request) => {
  if (request.path.startsWith('/api/products?')) return answer(200, PRODUCTS);
  if (request.path.startsWith('/api/products/')) return answer(200, { product: { id: 'p-1' } });
  if (request.method === 'POST')
    return answer(201, order('o-1', 'CONFIRMED'), { location: '/api/orders/o-1' });
  return answer(200, order('o-1', 'CONFIRMED'));
};

function setup(respond: Responder, options: Partial<LoadRunnerOptions> = {}) {
  const clock = new FakeClock();
  const transport = fakeTransport(respond, () => clock.now());
  const lines: SecondStats[] = [];
  const runner = new LoadRunner({
    transport,
    apiKeys: ['key-a', 'key-c'],
    abuserKey: 'key-b',
    badBodyKey: 'key-a',
    clock,
    random: seededRandom(11),
    arrivals: 'uniform',
    memoryUsage: () => 50 * 1_048_576,
    onSecond: (stats) => lines.push(stats),
    ...options,
  });
  return { clock, transport, lines, runner };
}

/** A response that arrives `ms` later on the manual clock. */
const after =
  (clock: () => FakeClock, ms: number, respond: Responder): Responder =>
  (request, index) =>
    new Promise<HttpResponse | Error>((resolve) => {
      clock().setTimer(async () => resolve(await respond(request, index)), ms);
    });

describe('LoadRunner', () => {
  it('offers the configured rate even when no answer ever comes (open model)', async () => {
    const { clock, transport, lines, runner } = setup(() => new Promise<never>(() => undefined), {
      settings: { rate: 50 },
    });
    runner.start();
    await clock.tick(2_000);
    assert.deepEqual(
      lines.map((l) => [l.second, l.offered, l.outcomes.ok, l.inFlight]),
      [
        // Arrivals at 20, 40, ... ms: the one due at 1000 belongs to the second [1000, 2000).
        [1, 49, 0, 49],
        [2, 50, 0, 99],
      ],
    );
    assert.equal(transport.sent.length, 100, 'every arrival was sent without waiting for the others');
  });

  it('measures latency from the intended start, including a late start', async () => {
    let clock: FakeClock | undefined;
    const context = setup(
      after(() => clock as FakeClock, 100, healthy),
      { settings: { rate: 10, mix: { browse: 1, product: 0, checkout: 0, lookup: 0 } } },
    );
    clock = context.clock;
    const { runner, lines } = context;
    runner.start();
    await clock.tick(1_000);
    // Arrivals at 100, 200, ..., each answered 100 ms later: the ones answered before t=1000.
    assert.equal(lines[0]?.outcomes.ok, 8);
    assert.equal(Math.round(lines[0]?.p50 ?? 0), 100, 'HDR precision: 3 significant digits');
    // The event loop stalls 350 ms: the arrivals due at 1100, 1200 and 1300 start at 1350.
    clock.jump(350);
    await clock.tick(1_000);
    const summary = await runner.stop(0);
    const browse = summary.byOperation.browse;
    assert.ok(browse !== undefined);
    assert.equal(Math.round(browse.latencyMs.max), 350, 'started 250 ms late, answered 100 ms after that');
  });

  it('counts each second by outcome', async () => {
    const { clock, lines, runner } = setup(
      (request: HttpRequest, index) => {
        if (index % 4 === 1) return refusal(503, 'overloaded', { 'retry-after': '1' });
        if (index % 4 === 2) return refusal(429, 'throttled', { 'retry-after': '1' });
        if (index % 4 === 3) return new Error('connect ECONNREFUSED');
        return healthy(request, index);
      },
      { settings: { rate: 40, mix: { browse: 0.5, product: 0.5, checkout: 0, lookup: 0 } } },
    );
    runner.start();
    await clock.tick(1_000);
    const line = lines[0];
    assert.equal(line?.offered, 39);
    assert.deepEqual(
      [line?.outcomes.ok, line?.outcomes.shed, line?.outcomes.throttled, line?.outcomes.failed],
      [10, 10, 10, 9],
    );
    const summary = await runner.stop(0);
    assert.equal(summary.byStream.shoppers.ok, 10);
    assert.ok(summary.failures.some((f) => /ECONNREFUSED|Error/.test(f.reason)));
  });

  it('drops arrivals beyond maxInFlight instead of queueing them', async () => {
    const { clock, lines, runner, transport } = setup(() => new Promise<never>(() => undefined), {
      settings: { rate: 50 },
      maxInFlight: 10,
    });
    runner.start();
    await clock.tick(1_000);
    assert.equal(lines[0]?.offered, 49);
    assert.equal(lines[0]?.outcomes.dropped, 39);
    assert.equal(transport.sent.length, 10);
  });

  it('changes rate, mix and the misbehaving clients at run time', async () => {
    const { clock, lines, runner, transport } = setup(healthy, { settings: { rate: 10 } });
    runner.start();
    await clock.tick(1_000);
    assert.equal(runner.execute(parseCommand('rate 20')).message, 'rate 20/s');
    await clock.tick(1_000);
    // The arrival due at 1000 under the old rate, then 19 at the new one (the 20th is due at 2000).
    assert.equal(lines[1]?.offered, 20);

    runner.execute(parseCommand('mix checkout=1'));
    assert.equal(runner.settings.mix.checkout, 1);
    const before = transport.sent.length;
    await clock.tick(1_000);
    const posted = transport.sent.slice(before).filter((s) => s.request.method === 'POST');
    assert.equal(posted.length, 20);
    assert.equal(
      new Set(posted.map((s) => s.request.headers['idempotency-key'])).size,
      20,
      'a fresh key each',
    );

    assert.equal(runner.execute(parseCommand('abuser 20')).message, 'abuser on at 20/s');
    assert.equal(runner.execute(parseCommand('bad on')).message, 'bad on at 1/s');
    const mark = transport.sent.length;
    await clock.tick(1_000);
    const sent = transport.sent.slice(mark).map((s) => s.request);
    assert.equal(sent.filter((r) => r.headers['x-api-key'] === 'key-b').length, 20, "the abuser's requests");
    assert.equal(
      sent.filter((r) => r.method === 'POST' && r.headers['x-api-key'] === 'key-a').length > 0,
      true,
    );

    runner.execute(parseCommand('pause'));
    const paused = transport.sent.length;
    await clock.tick(3_000);
    assert.equal(transport.sent.length, paused);
    assert.equal(lines.at(-1)?.rate, 0);
    runner.execute(parseCommand('resume'));
    await clock.tick(1_000);
    assert.ok(transport.sent.length > paused);
    assert.deepEqual(runner.execute(parseCommand('stop')), { message: 'stopping', stop: true });
  });

  it('lets operations in flight finish when it stops, within the drain bound', async () => {
    let clock: FakeClock | undefined;
    const context = setup(
      after(() => clock as FakeClock, 300, healthy),
      { settings: { rate: 10 } },
    );
    clock = context.clock;
    context.runner.start();
    await clock.tick(950);
    const stopping = context.runner.stop(1_000);
    await clock.tick(1_000);
    const summary = await stopping;
    assert.equal(summary.unfinished, 0);
    assert.equal(summary.offered, 9);
    assert.equal(summary.outcomes.ok, 9);
    assert.equal(summary.peakRssMb, 50);
    assert.equal(context.lines.at(-1)?.second, 1, 'the partial last second has its line');
    assert.equal(clock.pendingTimers, 0);
  });
});
