import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { seededRandom } from '../../src/common/seeded.random.ts';
import { TaskCancelledError } from '../../src/errors/task-cancelled.error.ts';
import { isThrottledError } from '../../src/errors/throttled.error.ts';
import { pipeline } from '../../src/pipeline/pipeline.policy.ts';
import { FakeClock } from '../../src/testing/index.ts';
import { adaptiveThrottle, type ThrottleEvent } from '../../src/throttling/adaptive-throttle.policy.ts';

const fixedRandom = (value: number) => ({ next: () => value });
const fail = () => Promise.reject(new Error('UNAVAILABLE'));

describe('adaptiveThrottle', () => {
  it('never rejects while the backend accepts everything', async () => {
    const clock = new FakeClock();
    const throttle = adaptiveThrottle({ clock, random: fixedRandom(0) });
    for (let i = 0; i < 100; i++) await throttle.execute(() => i);
    assert.equal(throttle.requests, 100);
    assert.equal(throttle.accepts, 100);
    assert.equal(throttle.probability, 0);
  });

  it('rejects locally with p = max(0, (requests − K·accepts) / (requests + 1))', async () => {
    const clock = new FakeClock();
    let draw = 0.99;
    const throttle = adaptiveThrottle({ clock, random: { next: () => draw } });
    for (let i = 0; i < 3; i++) await throttle.execute(() => 'ok');
    for (let i = 0; i < 7; i++) await assert.rejects(throttle.execute(fail), /UNAVAILABLE/);
    // 10 requests, 3 accepts: (10 − 6) / 11
    assert.equal(throttle.probability, 4 / 11);
    const events: ThrottleEvent[] = [];
    throttle.onThrottle((e) => events.push(e));
    draw = 4 / 11 - 1e-9;
    let sent = false;
    await assert.rejects(
      throttle.execute(() => {
        sent = true;
      }),
      (e) => isThrottledError(e) && e.probability === 5 / 12 && e.stack?.split('\n').length === 1,
    );
    assert.equal(sent, false);
    assert.deepEqual(events, [{ probability: 4 / 11, requests: 11, accepts: 3 }]);
    assert.equal(throttle.requests, 11, 'a locally rejected call still counts as a request');
    draw = 5 / 12;
    assert.equal(await throttle.execute(() => 'through'), 'through', 'a draw at or above p goes through');
  });

  it('forgets outcomes older than the sliding window, bucket by bucket', async () => {
    const clock = new FakeClock();
    const throttle = adaptiveThrottle({ clock, random: fixedRandom(0.999), windowMs: 10_000, buckets: 10 });
    for (let i = 0; i < 5; i++) await assert.rejects(throttle.execute(fail));
    clock.advance(5_000);
    for (let i = 0; i < 5; i++) await assert.rejects(throttle.execute(fail));
    assert.equal(throttle.requests, 10);
    clock.advance(5_000);
    assert.equal(throttle.requests, 5, 'the first five fell out of the window');
    clock.advance(5_000);
    assert.equal(throttle.requests, 0);
    assert.equal(throttle.probability, 0);
  });

  it('counts the caller cancelling as accepted, and other errors as accepted only when told to', async () => {
    const clock = new FakeClock();
    const throttle = adaptiveThrottle({ clock });
    await assert.rejects(throttle.execute(() => Promise.reject(new TaskCancelledError())));
    await assert.rejects(throttle.execute(fail));
    assert.equal(throttle.accepts, 1);
    const lenient = adaptiveThrottle({ clock, isAccepted: (e) => (e as Error).message === 'NOT_FOUND' });
    await assert.rejects(lenient.execute(() => Promise.reject(new Error('NOT_FOUND'))));
    assert.equal(lenient.accepts, 1);
  });

  it('lets the manual tryAcquire/recordAccept API drive it and composes in a pipeline', async () => {
    const clock = new FakeClock();
    const throttle = adaptiveThrottle({ clock, random: fixedRandom(0) });
    assert.equal(throttle.tryAcquire(), true);
    throttle.recordAccept();
    assert.equal(await pipeline(throttle).execute(() => 7), 7);
    assert.equal(throttle.accepts, 2);
  });

  it('validates its options', () => {
    assert.throws(() => adaptiveThrottle({ k: 0.5 }), RangeError);
    assert.throws(() => adaptiveThrottle({ windowMs: 0 }), RangeError);
    assert.throws(() => adaptiveThrottle({ buckets: 1.5 }), RangeError);
  });

  it('sends about K × what an overloaded backend accepts, and no more (seeded)', async () => {
    const clock = new FakeClock();
    const throttle = adaptiveThrottle({ clock, random: seededRandom(7) });
    let sent = 0;
    let accepted = 0;
    let lastAccept = Number.NEGATIVE_INFINITY;
    // Offered load: one call every 10 ms for 40 s; the backend's capacity: one call per 100 ms.
    for (let i = 0; i < 4000; i++) {
      clock.advance(10);
      await throttle
        .execute(() => {
          sent++;
          if (clock.now() - lastAccept >= 100) {
            lastAccept = clock.now();
            accepted++;
            return 'ok';
          }
          throw new Error('RESOURCE_EXHAUSTED');
        })
        .catch(() => {});
    }
    // Unthrottled, all 4000 would go out for about 400 accepts; throttled, about 2 × accepts go out.
    assert.ok(accepted > 150, `accepted ${accepted}, sent ${sent}`);
    assert.ok(sent < 2.5 * accepted, `sent ${sent} for ${accepted} accepted`);
  });

  it('matches the windowed formula and stays in [0, 1) for any history (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(3000), fc.boolean()), { maxLength: 200 }),
        fc.integer({ min: 1, max: 4 }),
        (steps, k) => {
          const clock = new FakeClock();
          const throttle = adaptiveThrottle({
            clock,
            k,
            windowMs: 10_000,
            buckets: 5,
            random: fixedRandom(0.999999),
          });
          const log: Array<[bucket: number, accepted: boolean]> = [];
          for (const [gap, accepted] of steps) {
            clock.advance(gap);
            const sent = throttle.tryAcquire();
            const bucket = Math.floor(clock.now() / 2000);
            log.push([bucket, false]);
            if (sent && accepted) {
              throttle.recordAccept();
              log.push([bucket, true]);
            }
            const live = log.filter(([b]) => b > bucket - 5);
            const requests = live.filter(([, a]) => !a).length;
            const accepts = live.length - requests;
            const expected = Math.max(0, (requests - k * accepts) / (requests + 1));
            const p = throttle.probability;
            if (Math.abs(p - expected) > 1e-12 || p < 0 || p >= 1) return false;
          }
          return true;
        },
      ),
    );
  });
});
