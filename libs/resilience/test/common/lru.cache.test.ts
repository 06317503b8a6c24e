import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LruMap } from '../../src/common/lru.cache.ts';

describe('LruMap', () => {
  it('evicts the least recently used entry beyond maxSize and reports it', () => {
    const evicted: [string, number][] = [];
    const map = new LruMap<string, number>(2, (key, value) => evicted.push([key, value]));
    map.set('a', 1).set('b', 2);
    assert.equal(map.get('a'), 1, 'a read is a use: b is now the oldest');
    map.set('c', 3);
    assert.deepEqual(evicted, [['b', 2]]);
    assert.equal(map.size, 2);
    assert.equal(map.peek('b'), undefined);
    assert.deepEqual([map.oldestKey(), map.oldest()], ['a', 1]);
  });

  it('leaves the order alone on peek, and moves an overwritten key to the new end', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1).set('b', 2);
    assert.equal(map.peek('a'), 1);
    assert.equal(map.oldestKey(), 'a', 'peek is not a use');
    map.set('a', 10);
    assert.equal(map.oldestKey(), 'b', 'set is a use');
    map.set('c', 3);
    assert.equal(map.has('b'), false);
    assert.equal(map.peek('a'), 10);
  });

  it('deletes without calling onEvict, and stays consistent when emptied', () => {
    let evictions = 0;
    const map = new LruMap<string, number>(3, () => evictions++);
    map.set('a', 1).set('b', 2).set('c', 3);
    assert.equal(map.delete('b'), true);
    assert.equal(map.delete('b'), false);
    assert.equal(map.delete('a'), true);
    assert.equal(map.delete('c'), true);
    assert.equal(map.size, 0);
    assert.equal(map.oldest(), undefined);
    map.set('d', 4);
    assert.equal(map.oldestKey(), 'd');
    assert.equal(evictions, 0);
  });

  it('refuses a maxSize that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new LruMap(bad), RangeError);
  });
});
