import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isRateLimitedError } from '../../src/errors/rate-limited.error.ts';
import { pipeline } from '../../src/pipeline/pipeline.policy.ts';
import { rateLimit } from '../../src/rate-limit/rate-limit.policy.ts';
import { FakeClock } from '../../src/testing/index.ts';

describe('rateLimit', () => {
  it('admits a full burst, then rejects with the time until the next token', async () => {
    const clock = new FakeClock();
    const limiter = rateLimit({ rate: 10, burst: 3, clock });
    for (let i = 0; i < 3; i++) assert.equal(await limiter.execute(() => i), i);
    let ran = false;
    await assert.rejects(
      limiter.execute(() => {
        ran = true;
      }),
      (e) =>
        isRateLimitedError(e) &&
        e.retryAfterMs === 100 &&
        e.key === undefined &&
        e.stack === 'RateLimitedError: Rate limit exceeded',
    );
    assert.equal(ran, false);
  });

  it('refills on demand from the clock, never above the burst', () => {
    const clock = new FakeClock();
    const limiter = rateLimit({ rate: 10, burst: 2, clock });
    assert.equal(limiter.tryAcquire(), 0);
    assert.equal(limiter.tryAcquire(), 0);
    assert.equal(limiter.tryAcquire(), 100);
    clock.advance(40);
    assert.equal(limiter.tryAcquire(), 60, 'retry-after shrinks as time passes');
    clock.advance(60);
    assert.equal(limiter.tryAcquire(), 0);
    clock.advance(10_000);
    assert.equal(limiter.available, 2, 'capped at burst after a long idle period');
    assert.equal(clock.pendingTimers, 0, 'no timer is ever armed');
  });

  it('defaults the burst to one second of rate and validates its options', () => {
    assert.equal(rateLimit({ rate: 7, clock: new FakeClock() }).burst, 7);
    assert.throws(() => rateLimit({ rate: 0 }), RangeError);
    assert.throws(() => rateLimit({ rate: 1, burst: 0.5 }), RangeError);
  });

  it('emits onReject with the retry-after hint, and composes in a pipeline', async () => {
    const clock = new FakeClock();
    const limiter = rateLimit({ rate: 1, burst: 1, clock });
    const events: number[] = [];
    limiter.onReject((e) => events.push(e.retryAfterMs));
    const p = pipeline(limiter);
    assert.equal(await p.execute(() => 'ok'), 'ok');
    await assert.rejects(
      p.execute(() => 'no'),
      isRateLimitedError,
    );
    assert.deepEqual(events, [1000]);
  });

  it('never admits more than burst + rate × elapsed (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 300 }),
        (rate, burst, gaps) => {
          const clock = new FakeClock(1_000);
          const limiter = rateLimit({ rate, burst, clock });
          let admitted = 0;
          for (const gap of gaps) {
            clock.advance(gap);
            if (limiter.tryAcquire() === 0) admitted++;
            const elapsed = clock.now() - 1_000;
            if (admitted > burst + (rate * elapsed) / 1000 + 1e-9) return false;
          }
          return true;
        },
      ),
    );
  });

  it('admits again exactly when the retry-after hint says (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 20 }), (rate, burst) => {
        const clock = new FakeClock();
        const limiter = rateLimit({ rate, burst, clock });
        while (limiter.tryAcquire() === 0);
        const wait = limiter.tryAcquire();
        clock.advance(wait - 1);
        if (wait > 1 && limiter.available >= 1) return false;
        clock.advance(1);
        return limiter.tryAcquire() === 0;
      }),
    );
  });
});
