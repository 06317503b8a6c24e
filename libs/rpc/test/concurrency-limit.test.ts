import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WindowedVegasLimit } from '../src/index.ts';

describe('WindowedVegasLimit', () => {
  /** One window at the current limit: `limit` calls, all in flight together, each taking `rttMs`. */
  function window(limit: WindowedVegasLimit, rttMs: number, dropped = 0): void {
    const n = Math.floor(limit.limit);
    for (let i = 0; i < n; i++) limit.update({ rttMs, inflight: n, dropped: i < dropped });
  }

  it('grows by one per window while latency holds and the limit is used', () => {
    const limit = new WindowedVegasLimit({ initialLimit: 10, minLimit: 2, maxLimit: 100 });
    for (let i = 0; i < 5; i++) window(limit, 10);
    assert.equal(limit.limit, 15);
  });

  it('does not grow when the limit is not used', () => {
    const limit = new WindowedVegasLimit({ initialLimit: 10, minLimit: 2, maxLimit: 100 });
    for (let i = 0; i < 50; i++) limit.update({ rttMs: 10, inflight: 1, dropped: false });
    assert.equal(limit.limit, 10);
  });

  it('shrinks by 10 % when most calls queue, or when one times out, never below the minimum', () => {
    const limit = new WindowedVegasLimit({ initialLimit: 20, minLimit: 5, maxLimit: 100 });
    window(limit, 10);
    const grown = limit.limit;
    window(limit, 100);
    assert.ok(Math.abs(limit.limit - grown * 0.9) < 1e-9, `limit ${limit.limit} after latency grew tenfold`);
    const unchanged = limit.limit;
    window(limit, 55);
    assert.ok(limit.limit > unchanged, 'less than 50 ms of queueing is not overload');
    const before = limit.limit;
    window(limit, 10, 1);
    assert.ok(limit.limit < before, 'one timeout in a window is enough to back off');
    for (let i = 0; i < 50; i++) window(limit, 100);
    assert.equal(limit.limit, 5);
  });
});
