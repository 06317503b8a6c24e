import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom, systemRandom } from '../../src/index.ts';

describe('seededRandom', () => {
  it('repeats the same sequence for the same seed and differs for another seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const sa = Array.from({ length: 8 }, () => a.next());
    const sb = Array.from({ length: 8 }, () => b.next());
    const sc = Array.from({ length: 8 }, () => c.next());
    assert.deepEqual(sa, sb);
    assert.notDeepEqual(sa, sc);
  });

  it('draws uniformly in [0, 1)', () => {
    const random = seededRandom(1);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const x = random.next();
      assert.ok(x >= 0 && x < 1);
      buckets[Math.floor(x * 10)]!++;
    }
    for (const count of buckets) assert.ok(count > 850 && count < 1150, `bucket count ${count}`);
  });

  it('systemRandom draws in [0, 1)', () => {
    const x = systemRandom.next();
    assert.ok(x >= 0 && x < 1);
  });
});
