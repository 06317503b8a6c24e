import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../src/testing/index.ts';

describe('FakeClock', () => {
  it('fires timers in due order, ties in scheduling order, at their due time', () => {
    const clock = new FakeClock(100);
    const fired: string[] = [];
    clock.setTimer(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimer(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimer(() => fired.push(`c@${clock.now()}`), 20);
    clock.advance(15);
    assert.deepEqual(fired, ['a@110']);
    assert.equal(clock.now(), 115);
    clock.advance(5);
    assert.deepEqual(fired, ['a@110', 'b@120', 'c@120']);
    assert.equal(clock.pendingTimers, 0);
  });

  it('does not fire a cancelled timer', () => {
    const clock = new FakeClock();
    let fired = false;
    const timer = clock.setTimer(() => {
      fired = true;
    }, 5);
    timer.cancel();
    timer.cancel();
    clock.advance(10);
    assert.equal(fired, false);
    assert.equal(clock.pendingTimers, 0);
  });

  it('tick() lets promise chains schedule further timers within the same advance', async () => {
    const clock = new FakeClock();
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimer(resolve, ms));
    const order: number[] = [];
    const run = (async () => {
      await sleep(10);
      order.push(clock.now());
      await sleep(10);
      order.push(clock.now());
    })();
    await clock.tick(25);
    await run;
    assert.deepEqual(order, [10, 20]);
    assert.equal(clock.now(), 25);
  });
});
