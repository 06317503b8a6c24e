// The framework-free pieces of the edge, with an injected clock: abuse blocking, idempotency, API keys,
// the last-good cache and the configuration.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadGatewayConfig } from '../src/config/gateway.config.ts';
import { AbuseBlocker } from '../src/edge/abuse.blocker.ts';
import { ApiKeys } from '../src/edge/api-keys.store.ts';
import { IdempotencyStore } from '../src/orders/idempotency.store.ts';
import { LastGoodCache } from '../src/products/catalog.cache.ts';

function manualClock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('AbuseBlocker', () => {
  /** A blocker on a manual clock: 3 strikes within 1 s block for 5 s, unless `options` say otherwise. */
  function blockerOnClock(options: { threshold?: number; maxTracked?: number } = {}) {
    const clock = manualClock();
    const blocker = new AbuseBlocker({
      threshold: 3,
      windowMs: 1_000,
      blockMs: 5_000,
      maxTracked: 10,
      ...options,
      clock,
    });
    return { clock, blocker };
  }

  it('blocks a client after `threshold` strikes within the window, for `blockMs`', () => {
    const { clock, blocker } = blockerOnClock();
    assert.equal(blocker.strike('a'), false);
    assert.equal(blocker.strike('a'), false);
    assert.equal(blocker.blockedFor('a'), 0);
    assert.equal(blocker.strike('a'), true);
    assert.equal(blocker.blockedFor('a'), 5_000);
    assert.equal(blocker.blockedFor('b'), 0, 'other clients are not affected');
    clock.advance(4_999);
    assert.equal(blocker.blockedFor('a'), 1);
    clock.advance(1);
    assert.equal(blocker.blockedFor('a'), 0, 'the block ends');
    assert.equal(blocker.strike('a'), false, 'and the count starts again');
  });

  it('forgets strikes older than the window', () => {
    const { clock, blocker } = blockerOnClock();
    blocker.strike('a');
    blocker.strike('a');
    clock.advance(1_000);
    assert.equal(blocker.strike('a'), false);
    assert.equal(blocker.strike('a'), false);
    assert.equal(blocker.blockedFor('a'), 0);
  });

  it('tracks at most maxTracked clients, forgetting the least recently seen', () => {
    const { blocker } = blockerOnClock({ threshold: 2, maxTracked: 3 });
    blocker.strike('a');
    blocker.strike('a');
    for (let i = 0; i < 1_000; i++) blocker.strike(`flood-${i}`);
    assert.equal(blocker.size, 3);
    assert.equal(blocker.blockedFor('a'), 0, 'a was evicted by the flood');
  });
});

describe('IdempotencyStore', () => {
  it('runs the first request, joins concurrent ones, replays later ones and refuses another body', async () => {
    const clock = manualClock();
    const store = new IdempotencyStore({ ttlMs: 10_000, maxKeys: 10, clock });
    const first = store.begin('client-a', 'k', 'body-1');
    assert.equal(first.kind, 'new');
    const joined = store.begin('client-a', 'k', 'body-1');
    assert.equal(joined.kind, 'join');
    assert.equal(store.begin('client-a', 'k', 'body-2').kind, 'conflict');
    if (first.kind !== 'new' || joined.kind !== 'join') return;
    first.complete({ status: 201, body: { id: 'o-1' } });
    assert.deepEqual(await joined.answer, { status: 201, body: { id: 'o-1' } });
    const replay = store.begin('client-a', 'k', 'body-1');
    assert.equal(replay.kind, 'replay');
    clock.advance(10_000);
    assert.equal(store.begin('client-a', 'k', 'body-2').kind, 'new', 'expired keys may be used again');
  });

  it('frees the key of an abandoned run (a failure worth retrying)', async () => {
    const store = new IdempotencyStore({ ttlMs: 10_000, maxKeys: 10 });
    const first = store.begin('client-a', 'k', 'b');
    const joined = store.begin('client-a', 'k', 'b');
    if (first.kind !== 'new' || joined.kind !== 'join') throw new Error('unexpected');
    first.abandon();
    assert.equal(await joined.answer, undefined);
    assert.equal(store.begin('client-a', 'k', 'b').kind, 'new');
  });

  it('shares an answer that may change (a PENDING order) with the joined duplicates, then frees the key', async () => {
    const store = new IdempotencyStore({ ttlMs: 10_000, maxKeys: 10 });
    const first = store.begin('client-a', 'k', 'b');
    const joined = store.begin('client-a', 'k', 'b');
    if (first.kind !== 'new' || joined.kind !== 'join') throw new Error('unexpected');
    first.share({ status: 202, body: { id: 'o-1', status: 'PENDING' } });
    assert.deepEqual(await joined.answer, { status: 202, body: { id: 'o-1', status: 'PENDING' } });
    assert.equal(store.begin('client-a', 'k', 'b').kind, 'new', 'the next request asks orders again');
  });

  it("keeps each client's keys apart: the same key from another client neither replays, joins nor conflicts", async () => {
    const store = new IdempotencyStore({ ttlMs: 10_000, maxKeys: 10 });
    const a = store.begin('client-a', 'k', 'body-a');
    assert.equal(store.begin('client-b', 'k', 'body-b').kind, 'new', 'another body is not a conflict');
    assert.equal(store.begin('client-c', 'k', 'body-a').kind, 'new', 'the same body is not a join');
    if (a.kind !== 'new') throw new Error('unexpected');
    a.complete({ status: 201, body: { id: 'o-a' } });
    assert.equal(store.begin('client-d', 'k', 'body-a').kind, 'new', "client-a's answer is not replayed");
    assert.equal(store.begin('client-a', 'k', 'body-a').kind, 'replay');
    // Client ids and keys are kept apart however they are spelled ("a/b" + "c" is not "a" + "b/c").
    store.begin('a/b', 'c', 'body');
    assert.equal(store.begin('a', 'b/c', 'other body').kind, 'new');
  });

  it('keeps at most maxKeys keys', () => {
    const store = new IdempotencyStore({ ttlMs: 10_000, maxKeys: 5 });
    for (let i = 0; i < 100; i++) store.begin('client-a', `k-${i}`, 'b');
    assert.equal(store.size, 5);
  });
});

describe('ApiKeys', () => {
  it('maps keys to clients and refuses anything else', () => {
    const keys = new ApiKeys(new Map([['key-a', 'client-a']]));
    assert.equal(keys.authenticate('key-a'), 'client-a');
    assert.equal(keys.authenticate('key-b'), undefined);
    assert.equal(keys.authenticate(''), undefined);
    assert.equal(keys.authenticate(undefined), undefined);
    assert.equal(keys.authenticate('k'.repeat(10_000)), undefined);
  });
});

describe('LastGoodCache', () => {
  it('keeps the last value per key with its age, bounded', () => {
    const clock = manualClock();
    const cache = new LastGoodCache<number>(2, clock);
    cache.set('a', 1);
    clock.advance(12_500);
    const entry = cache.get('a');
    assert.ok(entry);
    assert.equal(entry.value, 1);
    assert.equal(cache.ageSeconds(entry), 12);
    cache.set('b', 2);
    cache.set('c', 3);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('a'), undefined);
  });
});

describe('gateway config', () => {
  it('reads the env contract with documented defaults', () => {
    const config = loadGatewayConfig({ HTTP_PORT: '7460', CATALOG_ADDRS: '127.0.0.1:1,127.0.0.1:2' });
    assert.deepEqual(config.CATALOG_ADDRS, ['127.0.0.1:1', '127.0.0.1:2']);
    assert.equal(config.API_KEYS.get('key-a'), 'client-a');
    assert.equal(config.BODY_LIMIT_BYTES, 16_384);
  });

  it('names every bad variable on one line and never prints API keys', () => {
    assert.throws(
      () =>
        loadGatewayConfig({ HTTP_PORT: '99999', API_KEYS: 'secret-without-client', RATE_LIMIT_RPS: '-1' }),
      (error: Error) => {
        assert.match(error.message, /HTTP_PORT: .*got "99999"/);
        assert.match(error.message, /RATE_LIMIT_RPS/);
        assert.match(error.message, /API_KEYS: expected client:key.*value hidden/);
        assert.doesNotMatch(error.message, /secret-without-client/);
        return true;
      },
    );
  });
});
