import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BasePolicy, type Chain } from '../../src/common/base.policy.ts';
import type { ExecutionContext } from '../../src/common/execution.context.ts';
import { isTaskCancelledError } from '../../src/errors/error.guards.ts';
import {
  type HedgeEvent,
  type HedgeSettleEvent,
  type HedgeSkipEvent,
  hedging,
} from '../../src/hedging/hedging.policy.ts';
import { pipeline } from '../../src/pipeline/pipeline.policy.ts';
import { FakeClock, flushMicrotasks } from '../../src/testing/index.ts';

/** An operation whose attempts are controlled by hand. */
function attempts() {
  const calls: Array<{ signal: AbortSignal } & PromiseWithResolvers<unknown>> = [];
  const op = (ctx: ExecutionContext) => {
    const d = Promise.withResolvers<unknown>();
    calls.push({ ...d, signal: ctx.signal });
    return d.promise;
  };
  return { calls, op };
}

function observe(policy: ReturnType<typeof hedging>) {
  const hedges: HedgeEvent[] = [];
  const skips: HedgeSkipEvent[] = [];
  const settles: HedgeSettleEvent[] = [];
  policy.onHedge((e) => hedges.push(e));
  policy.onSkip((e) => skips.push(e));
  policy.onSettle((e) => settles.push(e));
  return { hedges, skips, settles };
}

describe('hedging', () => {
  it('sends nothing more when the first attempt answers before the delay, and leaves no timer', async () => {
    const clock = new FakeClock();
    const policy = hedging({ delay: 50, clock });
    const seen = observe(policy);
    let calls = 0;
    assert.equal(
      await policy.execute(() => {
        calls++;
        return 'fast';
      }),
      'fast',
    );
    await clock.tick(1000);
    assert.equal(clock.pendingTimers, 0, 'the shared timer stopped once nothing was scheduled');
    assert.equal(calls, 1);
    assert.deepEqual(seen.hedges, []);
    assert.deepEqual(seen.settles, [{ winner: 0, attempts: 1, failed: false }]);
  });

  it('sends a hedge after the delay; the first answer wins and the loser is cancelled through its signal', async () => {
    const clock = new FakeClock();
    const policy = hedging({ delay: 50, clock });
    const seen = observe(policy);
    const { calls, op } = attempts();
    const result = policy.execute(op);
    await clock.tick(49);
    assert.equal(calls.length, 1);
    await clock.tick(1);
    assert.equal(calls.length, 2);
    assert.deepEqual(seen.hedges, [{ hedge: 1, afterMs: 50, trigger: 'delay' }]);
    calls[1]!.resolve('hedge');
    assert.equal(await result, 'hedge');
    assert.equal(calls[0]!.signal.aborted, true);
    assert.ok(isTaskCancelledError(calls[0]!.signal.reason));
    assert.equal(calls[1]!.signal.aborted, false);
    calls[0]!.resolve('late');
    await flushMicrotasks();
    assert.deepEqual(seen.settles, [{ winner: 1, attempts: 2, failed: false }]);
  });

  it('sends no hedge while canHedge says there is nowhere to send it, and says why', async () => {
    const clock = new FakeClock();
    let somewhere = false;
    const policy = hedging({ delay: 50, clock, canHedge: () => somewhere });
    const seen = observe(policy);
    const { calls, op } = attempts();
    const result = policy.execute(op);
    await clock.tick(50);
    assert.equal(calls.length, 1, 'no hedge');
    assert.deepEqual(seen.skips, [{ reason: 'no-target' }]);
    calls[0]!.resolve('first');
    assert.equal(await result, 'first');
    somewhere = true;
    const again = policy.execute(op);
    await clock.tick(50);
    assert.equal(calls.length, 3, 'hedged once there is somewhere to go');
    calls[2]!.resolve('hedge');
    assert.equal(await again, 'hedge');
  });

  it('lets the first attempt win when it answers after the hedge was sent', async () => {
    const clock = new FakeClock();
    const policy = hedging({ delay: 10, clock });
    const { calls, op } = attempts();
    const result = policy.execute(op);
    await clock.tick(10);
    calls[0]!.resolve('first');
    assert.equal(await result, 'first');
    assert.equal(calls[1]!.signal.aborted, true);
  });

  it('sends at most maxHedges hedges, one per delay', async () => {
    const clock = new FakeClock();
    const policy = hedging({ delay: 10, maxHedges: 3, clock });
    const { calls, op } = attempts();
    const result = policy.execute(op);
    await clock.tick(100);
    assert.equal(calls.length, 4);
    assert.equal(clock.pendingTimers, 0);
    calls[2]!.resolve(2);
    assert.equal(await result, 2);
    assert.deepEqual(
      calls.map((c) => c.signal.aborted),
      [true, true, false, true],
    );
  });

  it('never hedges a non-idempotent call', async () => {
    const clock = new FakeClock();
    const policy = hedging({ delay: 10, clock });
    const seen = observe(policy);
    const { calls, op } = attempts();
    const result = policy.execute(op, { idempotent: false });
    await clock.tick(100);
    assert.equal(calls.length, 1);
    assert.equal(clock.pendingTimers, 0);
    calls[0]!.resolve('once');
    assert.equal(await result, 'once');
    assert.deepEqual(seen.skips, [{ reason: 'not-idempotent' }]);
  });

  it('takes every hedge from the shared budget and sends none when it is spent', async () => {
    const clock = new FakeClock();
    let tokens = 1;
    let requests = 0;
    const budget = {
      recordRequest: () => void requests++,
      tryAcquire: () => tokens-- > 0,
    };
    const policy = hedging({ delay: 10, maxHedges: 2, budget, clock });
    const seen = observe(policy);
    const { calls, op } = attempts();
    const result = policy.execute(op);
    await clock.tick(30);
    assert.equal(calls.length, 2, 'the second hedge found the budget empty');
    assert.deepEqual(seen.skips, [{ reason: 'budget' }]);
    assert.equal(requests, 1);
    calls[0]!.resolve('ok');
    await result;
    const quiet = hedging({ delay: 10, budget, recordRequests: false, clock });
    await quiet.execute(() => 1);
    assert.equal(requests, 1, 'recordRequests: false leaves counting to the retry policy');
  });

  it('sends the next hedge at once when an attempt fails, and rejects with the last error when all fail', async () => {
    const clock = new FakeClock();
    const policy = hedging({ delay: 1000, maxHedges: 2, clock });
    const seen = observe(policy);
    const { calls, op } = attempts();
    const result = policy.execute(op);
    calls[0]!.reject(new Error('e0'));
    await flushMicrotasks();
    assert.equal(calls.length, 2);
    assert.deepEqual(seen.hedges, [{ hedge: 1, afterMs: 0, trigger: 'failure' }]);
    calls[1]!.reject(new Error('e1'));
    await flushMicrotasks();
    calls[2]!.reject(new Error('e2'));
    await assert.rejects(result, /e2/);
    assert.deepEqual(seen.settles, [{ winner: -1, attempts: 3, failed: true }]);
    await clock.tick(2000);
    assert.equal(calls.length, 3, 'no hedge after the execution settled');
    assert.equal(clock.pendingTimers, 0);
  });

  it('takes an unhandled failure as the final answer and cancels the others', async () => {
    const clock = new FakeClock();
    const policy = hedging({ delay: 10, clock, handle: (e) => (e as Error).message !== 'NOT_FOUND' });
    const { calls, op } = attempts();
    const result = policy.execute(op);
    await clock.tick(10);
    calls[1]!.reject(new Error('NOT_FOUND'));
    await assert.rejects(result, /NOT_FOUND/);
    assert.equal(calls[0]!.signal.aborted, true);
  });

  it('sends no hedge once the caller aborted or the deadline passed', async () => {
    const clock = new FakeClock();
    const policy = hedging({ delay: 10, clock });
    const { calls, op } = attempts();
    const caller = new AbortController();
    const result = policy.execute(op, { signal: caller.signal });
    caller.abort();
    await clock.tick(20);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.signal.aborted, true, 'the abort reached the attempt');
    calls[0]!.reject(calls[0]!.signal.reason);
    await assert.rejects(result);
    const late = hedging({ delay: 10, clock });
    const second = attempts();
    const run = late.execute(second.op, { deadline: clock.now() + 10 });
    await clock.tick(10);
    assert.equal(second.calls.length, 1);
    second.calls[0]!.resolve('done');
    assert.equal(await run, 'done');
  });

  it('records the losers as lingering work for the policies outside, inside a pipeline', async () => {
    const clock = new FakeClock();
    let lingering: number | undefined;
    const outer = new (class extends BasePolicy {
      async intercept(context: ExecutionContext, next: Chain): Promise<unknown> {
        try {
          return await next.run(context);
        } finally {
          lingering = context.takeLingering()?.length;
        }
      }
    })(clock);
    const { calls, op } = attempts();
    const result = pipeline(outer, hedging({ delay: 10, clock })).execute(op);
    await clock.tick(10);
    calls[1]!.resolve('b');
    assert.equal(await result, 'b');
    assert.equal(lingering, 1);
  });

  it('validates its options', () => {
    assert.throws(() => hedging({ maxHedges: -1 }), RangeError);
    assert.throws(() => hedging({ maxHedges: 1.5 }), RangeError);
    assert.throws(() => hedging({ delay: -1 }), RangeError);
  });
});

describe('hedging (property)', () => {
  it('sends at most 1 + maxHedges attempts, settles once, and cancels every loser', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.boolean()), { minLength: 4, maxLength: 4 }),
        async (maxHedges, delay, plan) => {
          const clock = new FakeClock();
          const policy = hedging({ delay, maxHedges, clock });
          let settles = 0;
          policy.onSettle(() => settles++);
          const signals: AbortSignal[] = [];
          const run = policy.execute((ctx) => {
            const index = signals.length;
            signals.push(ctx.signal);
            const [latency, ok] = plan[index]!;
            return new Promise((resolve, reject) =>
              clock.setTimer(() => (ok ? resolve(index) : reject(new Error(`e${index}`))), latency),
            );
          });
          const outcome = run.then(
            (value) => ({ ok: true, value }),
            () => ({ ok: false, value: -1 }),
          );
          await clock.tick(1000);
          const result = await outcome;
          if (signals.length > 1 + maxHedges) return false;
          // maxHedges 0 is a plain pass-through: no hedging state, no events.
          if (maxHedges === 0) return signals.length === 1 && settles === 0;
          if (settles !== 1) return false;
          if (result.ok && !plan[result.value as number]![1]) return false;
          return signals.every((s, i) => s.aborted === !(result.ok && i === result.value));
        },
      ),
      { numRuns: 100 },
    );
  });
});
