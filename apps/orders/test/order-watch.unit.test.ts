// A replica answering a PlaceOrder whose saga another replica drives: it re-reads the order until it is final,
// the caller gives up, or the deadline nears — on a fake clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@rebound/resilience/testing';
import type { OrderRecord, OrderState } from '../src/orders/order.types.ts';
import { WATCH_INTERVAL_MS, WATCH_MAX_INTERVAL_MS, watchUntilFinal } from '../src/orders/order.watch.ts';

const order = (status: OrderState) => ({ id: 'o-1', status }) as OrderRecord;

/** Reads that answer `states` in turn (then the last one), counted. */
function reads(...states: OrderState[]) {
  let count = 0;
  const read = async () => order(states[Math.min(count++, states.length - 1)] as OrderState);
  return { read, count: () => count };
}

/** Lets the watch reach its next timer, then moves the clock to it; returns the waits. */
async function tick(clock: FakeClock, times: number): Promise<number[]> {
  const waits: number[] = [];
  for (let i = 0; i < times; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    if (clock.nextDue === undefined) break;
    waits.push(clock.nextDue - clock.now());
    clock.advance(clock.nextDue - clock.now());
  }
  return waits;
}

describe('watchUntilFinal', () => {
  it('answers a final order at once, without reading again', async () => {
    const { read, count } = reads('CONFIRMED');
    const clock = new FakeClock();
    const now = await watchUntilFinal(read, order('CANCELLED'), new AbortController().signal, 5_000, clock);
    assert.equal(now.status, 'CANCELLED');
    assert.equal(count(), 0);
  });

  it('re-reads a PENDING order until the other replica has finished it', async () => {
    const { read, count } = reads('PENDING', 'PENDING', 'CONFIRMED');
    const clock = new FakeClock();
    const watching = watchUntilFinal(read, order('PENDING'), new AbortController().signal, 5_000, clock);
    await tick(clock, 3);
    assert.equal((await watching).status, 'CONFIRMED');
    assert.equal(count(), 3);
  });

  it('answers PENDING when the wait is up, and at once when the caller gives up', async () => {
    const { read } = reads('PENDING');
    const clock = new FakeClock();
    const watching = watchUntilFinal(read, order('PENDING'), new AbortController().signal, 250, clock);
    await tick(clock, 3);
    assert.equal((await watching).status, 'PENDING');
    const aborted = new AbortController();
    const waiting = watchUntilFinal(read, order('PENDING'), aborted.signal, 60_000, clock);
    aborted.abort();
    assert.equal((await waiting).status, 'PENDING');
  });

  it('reads less and less often, doubling its wait up to the cap, and reads once more at the deadline', async () => {
    const { read, count } = reads('PENDING');
    const clock = new FakeClock();
    const watching = watchUntilFinal(read, order('PENDING'), new AbortController().signal, 3_000, clock);
    const waits = await tick(clock, 10);
    assert.equal((await watching).status, 'PENDING');
    assert.deepEqual(waits, [
      WATCH_INTERVAL_MS,
      WATCH_INTERVAL_MS * 2,
      WATCH_INTERVAL_MS * 4,
      WATCH_MAX_INTERVAL_MS,
      WATCH_MAX_INTERVAL_MS,
      3_000 - WATCH_INTERVAL_MS * 7 - WATCH_MAX_INTERVAL_MS * 2,
    ]);
    assert.equal(count(), 6, 'six reads over 3 s, where a read every 100 ms made 30');
  });
});
