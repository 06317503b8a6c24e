import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdaptiveConcurrencyLimit } from '../src/index.ts';

describe('AdaptiveConcurrencyLimit', () => {
  it('admits up to a fixed limit and frees a slot on release', () => {
    const limit = new AdaptiveConcurrencyLimit({ initial: 2, min: 2, max: 2 });
    assert.equal(limit.tryAcquire('critical'), true);
    assert.equal(limit.tryAcquire('critical'), true);
    assert.equal(limit.tryAcquire('critical'), false);
    limit.release(1, false);
    assert.equal(limit.inflight, 1);
    assert.equal(limit.tryAcquire('critical'), true);
  });

  it('sheds sheddable traffic first', () => {
    const limit = new AdaptiveConcurrencyLimit({ initial: 4, min: 4, max: 4 });
    assert.equal(limit.tryAcquire('sheddable'), true);
    assert.equal(limit.tryAcquire('sheddable'), true);
    assert.equal(limit.tryAcquire('sheddable'), false, 'sheddable may use half');
    assert.equal(limit.tryAcquire('sheddable-plus'), true);
    assert.equal(limit.tryAcquire('sheddable-plus'), false, 'sheddable-plus may use three quarters');
    assert.equal(limit.tryAcquire('critical'), true);
    assert.equal(limit.tryAcquire('critical-plus'), false);
  });

  it('grows while latency holds under load and shrinks when it inflates or calls time out', () => {
    const limit = new AdaptiveConcurrencyLimit({ initial: 10, min: 2, max: 100 });
    const saturate = (rtt: number, rounds: number): void => {
      for (let round = 0; round < rounds; round++) {
        while (limit.tryAcquire('critical')) {}
        while (limit.inflight > 0) limit.release(rtt, false);
      }
    };
    saturate(10, 20);
    const grown = limit.limit;
    assert.ok(grown > 10, `limit ${grown} did not grow at steady latency`);
    saturate(100, 1);
    assert.ok(limit.limit < grown, `limit ${limit.limit} did not shrink when latency grew tenfold`);
    saturate(10, 3);
    const before = limit.limit;
    // One timed-out call in a window of otherwise fast ones is enough to back off.
    while (limit.tryAcquire('critical')) {}
    limit.release(1_000, true);
    while (limit.inflight > 0) limit.release(10, false);
    assert.ok(limit.limit < before, `limit ${limit.limit} did not back off after a timeout`);
  });
});
