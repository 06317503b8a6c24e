import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hedging } from '../../src/hedging/hedging.policy.ts';
import { percentileDelay } from '../../src/hedging/percentile.delay.ts';
import { FakeClock } from '../../src/testing/index.ts';

describe('percentileDelay', () => {
  it('uses the initial delay until enough samples, then the percentile, never below minDelayMs', () => {
    const delay = percentileDelay({ percentile: 0.95, samples: 100, minSamples: 10, initialDelayMs: 70 });
    for (let i = 1; i < 10; i++) delay.record(i);
    assert.equal(delay.delayMs(), 70);
    for (let i = 10; i <= 100; i++) delay.record(i);
    assert.equal(delay.delayMs(), 95);
    const floor = percentileDelay({ samples: 16, minSamples: 1, minDelayMs: 5 });
    for (let i = 0; i < 16; i++) floor.record(0.1);
    assert.equal(floor.delayMs(), 5);
    const high = percentileDelay({ minSamples: 20, minDelayMs: 1_000 }); // a floor above the initial delay
    assert.equal(high.delayMs(), 1_000);
  });

  it('follows the most recent samples only (a ring)', () => {
    const delay = percentileDelay({ percentile: 0.5, samples: 32, minSamples: 1 });
    for (let i = 0; i < 32; i++) delay.record(1000);
    for (let i = 0; i < 32; i++) delay.record(10);
    assert.equal(delay.delayMs(), 10);
  });

  it('is the hedging delay after successes feed it', async () => {
    const clock = new FakeClock();
    const delay = percentileDelay({ samples: 16, minSamples: 16, initialDelayMs: 500 });
    const policy = hedging({ delay, clock });
    for (let i = 0; i < 16; i++) {
      const run = policy.execute(() => clock.tick(20));
      await clock.tick(20);
      await run;
    }
    assert.equal(delay.delayMs(), 20);
  });

  it('hedges after the percentile delay on a timer of its own, cancelled when the call settles', async () => {
    const clock = new FakeClock();
    const policy = hedging({ delay: percentileDelay({ initialDelayMs: 30 }), clock });
    let calls = 0;
    const run = policy.execute(() => (++calls === 1 ? new Promise(() => {}) : 'second'));
    await clock.tick(29);
    assert.equal(calls, 1);
    await clock.tick(1);
    assert.equal(await run, 'second');
    assert.equal(clock.pendingTimers, 0);
    assert.equal(await policy.execute(() => 'fast'), 'fast');
    assert.equal(clock.pendingTimers, 0);
  });

  it('returns one of the recorded latencies at or above the requested rank (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 16, maxLength: 64 }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        (values, percentile) => {
          const delay = percentileDelay({ percentile, samples: 64, minSamples: 1 });
          for (const v of values) delay.record(v);
          // Recomputed every 4 records: compare with the sorted prefix that was current then.
          const n = values.length - (values.length % 4);
          const sorted = values.slice(0, n).sort((a, b) => a - b);
          const below = sorted.filter((v) => v < delay.delayMs()).length;
          return sorted.includes(delay.delayMs()) && below < Math.ceil(percentile * n);
        },
      ),
    );
  });
});
