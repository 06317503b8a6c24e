import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimerList, type TimerTarget } from '../../src/index.ts';
import { FakeClock } from '../../src/testing/index.ts';

class Recorder implements TimerTarget {
  readonly fired: Array<[unknown, number]> = [];
  readonly clock: FakeClock;
  constructor(clock: FakeClock) {
    this.clock = clock;
  }
  onTimer(data: unknown): void {
    this.fired.push([data, this.clock.now()]);
  }
}

describe('TimerList', () => {
  it('fires each entry once at its own due time while holding one clock timer', () => {
    const clock = new FakeClock();
    const list = new TimerList(clock, 100);
    const rec = new Recorder(clock);
    list.add(rec, 'a');
    clock.advance(30);
    list.add(rec, 'b');
    assert.equal(clock.pendingTimers, 1);
    clock.advance(70);
    assert.deepEqual(rec.fired, [['a', 100]]);
    clock.advance(30);
    assert.deepEqual(rec.fired, [
      ['a', 100],
      ['b', 130],
    ]);
    assert.equal(list.size, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  it('never fires removed entries, and re-arms only for live ones', () => {
    const clock = new FakeClock();
    const list = new TimerList(clock, 50);
    const rec = new Recorder(clock);
    const a = list.add(rec, 'a');
    clock.advance(10);
    const b = list.add(rec, 'b');
    clock.advance(10);
    list.add(rec, 'c');
    list.remove(a);
    list.remove(b);
    list.remove(b);
    clock.advance(100);
    assert.deepEqual(rec.fired, [['c', 70]]);
    assert.equal(clock.pendingTimers, 0);
  });

  it('leaves no clock timer behind after clear()', () => {
    const clock = new FakeClock();
    const list = new TimerList(clock, 50);
    const rec = new Recorder(clock);
    list.add(rec, 'a');
    list.clear();
    assert.equal(clock.pendingTimers, 0);
    clock.advance(100);
    assert.deepEqual(rec.fired, []);
  });
});
