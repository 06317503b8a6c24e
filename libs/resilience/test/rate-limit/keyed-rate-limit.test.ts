import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isRateLimitedError } from '../../src/errors/rate-limited.error.ts';
import { type EvictEvent, keyedRateLimit } from '../../src/rate-limit/keyed-rate-limit.policy.ts';
import { FakeClock } from '../../src/testing/index.ts';

describe('keyedRateLimit', () => {
  it('keeps one bucket per client key from the execution context', async () => {
    const clock = new FakeClock();
    const limiter = keyedRateLimit({ rate: 1, burst: 1, clock });
    assert.equal(await limiter.execute(() => 'a', { key: 'alice' }), 'a');
    await assert.rejects(
      limiter.execute(() => 'a', { key: 'alice' }),
      (e) => isRateLimitedError(e) && e.key === 'alice' && e.retryAfterMs === 1000,
    );
    assert.equal(await limiter.execute(() => 'b', { key: 'bob' }), 'b', 'bob is not limited by alice');
    assert.equal(limiter.size, 2);
  });

  it('shares the default bucket between calls without a key, or uses keyOf', async () => {
    const clock = new FakeClock();
    const limiter = keyedRateLimit({ rate: 1, burst: 1, clock });
    await limiter.execute(() => 1);
    await assert.rejects(
      limiter.execute(() => 1),
      (e) => isRateLimitedError(e) && e.key === '*',
    );
    const byPriority = keyedRateLimit({ rate: 1, burst: 1, clock, keyOf: (c) => c.priority });
    await byPriority.execute(() => 1, { priority: 'sheddable' });
    await byPriority.execute(() => 1, { priority: 'critical' });
    await assert.rejects(
      byPriority.execute(() => 1, { priority: 'sheddable' }),
      isRateLimitedError,
    );
  });

  it('evicts the least recently used key at maxKeys, and the evicted key starts full', () => {
    const clock = new FakeClock();
    const limiter = keyedRateLimit({ rate: 1, burst: 1, maxKeys: 2, clock });
    const evicted: EvictEvent[] = [];
    limiter.onEvict((e) => evicted.push(e));
    assert.equal(limiter.tryAcquire('a'), 0);
    assert.equal(limiter.tryAcquire('b'), 0);
    assert.equal(limiter.tryAcquire('a'), 1000, 'a is now the most recently used');
    assert.equal(limiter.tryAcquire('c'), 0);
    assert.deepEqual(evicted, [{ key: 'b', reason: 'lru' }]);
    assert.equal(limiter.size, 2);
    assert.equal(limiter.available('b'), 1, 'b is forgotten');
    assert.equal(limiter.tryAcquire('a'), 1000, 'a kept its empty bucket');
  });

  it('forgets idle keys lazily on use and on sweep(), without timers', () => {
    const clock = new FakeClock();
    const limiter = keyedRateLimit({ rate: 1, burst: 1, idleMs: 1000, clock });
    const evicted: EvictEvent[] = [];
    limiter.onEvict((e) => evicted.push(e));
    limiter.tryAcquire('a');
    clock.advance(500);
    limiter.tryAcquire('b');
    clock.advance(500);
    limiter.tryAcquire('c');
    assert.deepEqual(evicted, [{ key: 'a', reason: 'idle' }]);
    clock.advance(1000);
    limiter.sweep();
    assert.deepEqual(
      evicted.map((e) => e.key),
      ['a', 'b', 'c'],
    );
    assert.equal(limiter.size, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  it('also forgets idle keys when a known key is used, keeping the key in use', () => {
    const clock = new FakeClock();
    const limiter = keyedRateLimit({ rate: 1, burst: 2, idleMs: 1000, clock });
    limiter.tryAcquire('old');
    limiter.tryAcquire('busy');
    clock.advance(1000);
    assert.equal(limiter.tryAcquire('busy'), 0, 'busy still has its second token');
    assert.equal(limiter.size, 1);
    assert.equal(limiter.available('old'), 2, 'old is forgotten');
    assert.equal(limiter.available('busy'), 1);
  });

  it('validates its options', () => {
    assert.throws(() => keyedRateLimit({ maxKeys: 0 }), RangeError);
    assert.throws(() => keyedRateLimit({ maxKeys: 1.5 }), RangeError);
    assert.throws(() => keyedRateLimit({ idleMs: 0 }), RangeError);
  });

  it('never tracks more than maxKeys and never admits a key above burst + rate × elapsed (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 100 })), {
          minLength: 1,
          maxLength: 300,
        }),
        (maxKeys, rate, burst, calls) => {
          const clock = new FakeClock();
          // maxKeys above the key space: no eviction, so each key's admissions are bounded by its own bucket.
          const bounded = keyedRateLimit({ rate, burst, maxKeys, idleMs: 50, clock });
          const exact = keyedRateLimit({ rate, burst, maxKeys: 16, idleMs: 1e12, clock });
          const admitted = new Map<string, number>();
          for (const [k, gap] of calls) {
            clock.advance(gap);
            const key = `k${k}`;
            bounded.tryAcquire(key);
            if (bounded.size > maxKeys) return false;
            if (exact.tryAcquire(key) === 0) admitted.set(key, (admitted.get(key) ?? 0) + 1);
            if (admitted.get(key)! > burst + (rate * clock.now()) / 1000 + 1e-9) return false;
          }
          return true;
        },
      ),
    );
  });
});
