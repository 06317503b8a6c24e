import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type BulkheadRejectEvent,
  bulkhead,
  isBulkheadRejectedError,
  isTaskCancelledError,
} from '../../src/index.ts';
import { FakeClock, flushMicrotasks } from '../../src/testing/index.ts';

const gate = () => {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
};

describe('bulkhead', () => {
  it('runs up to maxConcurrent calls and rejects the next at once when there is no queue', async () => {
    const bh = bulkhead({ maxConcurrent: 2, clock: new FakeClock() });
    const rejects: BulkheadRejectEvent[] = [];
    bh.onReject((e) => rejects.push(e));
    const g = gate();
    const a = bh.execute(() => g.promise);
    const b = bh.execute(() => g.promise);
    await assert.rejects(
      bh.execute(async () => 1),
      (e) => isBulkheadRejectedError(e) && e.reason === 'full',
    );
    assert.equal(bh.active, 2);
    g.open();
    await Promise.all([a, b]);
    assert.equal(bh.active, 0);
    assert.deepEqual(rejects, [{ reason: 'full' }]);
  });

  it('queues up to maxQueue callers in FIFO order and hands each freed slot to the oldest', async () => {
    const bh = bulkhead({ maxConcurrent: 1, maxQueue: 2, clock: new FakeClock() });
    const order: string[] = [];
    const g = gate();
    const first = bh.execute(async () => {
      await g.promise;
      order.push('first');
    });
    const second = bh.execute(async () => {
      order.push('second');
    });
    const third = bh.execute(async () => {
      order.push('third');
    });
    await assert.rejects(
      bh.execute(async () => {}),
      (e) => isBulkheadRejectedError(e),
    );
    assert.equal(bh.queued, 2);
    g.open();
    await Promise.all([first, second, third]);
    assert.deepEqual(order, ['first', 'second', 'third']);
    assert.equal(bh.active, 0);
    assert.equal(bh.queued, 0);
  });

  it('rejects a queued caller after queueTimeoutMs', async () => {
    const clock = new FakeClock();
    const bh = bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: 200, clock });
    const g = gate();
    const running = bh.execute(() => g.promise);
    const rejected = assert.rejects(
      bh.execute(async () => 'never'),
      (e) => isBulkheadRejectedError(e) && e.reason === 'queue-timeout',
    );
    await clock.tick(199);
    assert.equal(bh.queued, 1);
    await clock.tick(1);
    await rejected;
    assert.equal(bh.queued, 0);
    g.open();
    await running;
    assert.equal(bh.active, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  it('removes a queued caller the moment it aborts, so it never takes a slot', async () => {
    const clock = new FakeClock();
    const bh = bulkhead({ maxConcurrent: 1, maxQueue: 5, clock });
    const g = gate();
    const running = bh.execute(() => g.promise);
    const caller = new AbortController();
    let ran = false;
    const queued = bh.execute(
      async () => {
        ran = true;
      },
      { signal: caller.signal },
    );
    await flushMicrotasks();
    assert.equal(bh.queued, 1);
    caller.abort('gone');
    await assert.rejects(queued, (e) => isTaskCancelledError(e));
    assert.equal(bh.queued, 0);
    g.open();
    await running;
    assert.equal(ran, false);
    assert.equal(bh.active, 0);
  });

  it('frees the slot when the work fails too', async () => {
    const bh = bulkhead({ maxConcurrent: 1, clock: new FakeClock() });
    await assert.rejects(
      bh.execute(async () => {
        throw new Error('x');
      }),
    );
    assert.equal(bh.active, 0);
    assert.equal(await bh.execute(async () => 'y'), 'y');
  });

  it('never runs more than maxConcurrent calls at once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.oneof(fc.constant('call'), fc.constant('finish'), fc.constant('tick')), {
          maxLength: 50,
        }),
        async (maxConcurrent, maxQueue, script) => {
          const clock = new FakeClock();
          const bh = bulkhead({ maxConcurrent, maxQueue, queueTimeoutMs: 50, clock });
          let running = 0;
          const gates: Array<() => void> = [];
          const all: Promise<unknown>[] = [];
          for (const step of script) {
            if (step === 'call') {
              const p = bh.execute(async () => {
                running++;
                assert.ok(running <= maxConcurrent, `${running} running > ${maxConcurrent}`);
                await new Promise<void>((resolve) => gates.push(resolve));
                running--;
              });
              all.push(p.catch(() => {}));
            } else if (step === 'finish') {
              gates.shift()?.();
            } else {
              await clock.tick(20);
            }
            await flushMicrotasks();
            assert.ok(bh.active <= maxConcurrent);
            assert.ok(bh.queued <= maxQueue);
          }
          while (gates.length > 0 || bh.active > 0) {
            gates.shift()?.();
            await flushMicrotasks();
          }
          await Promise.all(all);
          assert.equal(bh.active, 0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
