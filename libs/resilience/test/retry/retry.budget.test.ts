import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { retryBudget } from '../../src/index.ts';
import { FakeClock } from '../../src/testing/index.ts';

describe('RetryBudget', () => {
  it('allows minRetriesPerSecond x window plus ratio x requests, then refuses with an event', () => {
    const clock = new FakeClock();
    const budget = retryBudget({ ratio: 0.1, minRetriesPerSecond: 2, windowMs: 1000, clock });
    const exhausted: number[] = [];
    budget.onExhausted((e) => exhausted.push(e.retries));
    for (let i = 0; i < 50; i++) budget.recordRequest();
    let allowed = 0;
    while (budget.tryAcquire()) allowed++;
    assert.equal(allowed, 7);
    assert.deepEqual(exhausted, [7]);
  });

  it('lets a client whose window is empty (just started, or idle) fail over 10 times a second by default', () => {
    const clock = new FakeClock();
    const budget = retryBudget({ clock });
    let allowed = 0;
    while (budget.tryAcquire()) allowed++;
    assert.equal(allowed, 100, '10 per second over the 10 s window, as Linkerd and tower reserve');
    for (let i = 0; i < 50; i++) budget.recordRequest();
    assert.equal(budget.tryAcquire(), true, 'and 20 % of the requests on top');
  });

  it('forgets requests and retries that leave the sliding window', () => {
    const clock = new FakeClock();
    const budget = retryBudget({ ratio: 0.5, minRetriesPerSecond: 0, windowMs: 1000, buckets: 10, clock });
    for (let i = 0; i < 10; i++) budget.recordRequest();
    for (let i = 0; i < 5; i++) assert.ok(budget.tryAcquire());
    assert.equal(budget.tryAcquire(), false);
    clock.advance(500);
    assert.equal(budget.requests, 10);
    clock.advance(600);
    assert.equal(budget.requests, 0);
    assert.equal(budget.retries, 0);
    assert.equal(budget.tryAcquire(), false, 'no requests, no ratio share');
    budget.recordRequest();
    budget.recordRequest();
    assert.ok(budget.tryAcquire());
  });

  it('never admits more retries than minRetriesPerSecond x window + ratio x requests within a window (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.oneof(fc.constant('req' as const), fc.constant('retry' as const)), { maxLength: 300 }),
        (ratio, minRetriesPerSecond, ops) => {
          const budget = retryBudget({ ratio, minRetriesPerSecond, windowMs: 1000, clock: new FakeClock() });
          let requests = 0;
          let retries = 0;
          for (const op of ops) {
            if (op === 'req') {
              budget.recordRequest();
              requests++;
            } else if (budget.tryAcquire()) {
              retries++;
            }
            assert.ok(retries <= minRetriesPerSecond + ratio * requests + 1e-9);
          }
        },
      ),
    );
  });

  it('rejects nonsensical options', () => {
    assert.throws(() => retryBudget({ ratio: -1 }), RangeError);
    assert.throws(() => retryBudget({ windowMs: 0 }), RangeError);
  });
});
