import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BasePolicy, type Chain } from '../../src/common/base.policy.ts';
import type { ExecutionContext } from '../../src/common/execution.context.ts';
import { isTaskCancelledError } from '../../src/errors/error.guards.ts';
import { isInjectedFaultError } from '../../src/errors/injected-fault.error.ts';
import type { FaultConfig } from '../../src/fault-injection/fault.config.ts';
import { type FaultEvent, faultInjection } from '../../src/fault-injection/fault-injection.policy.ts';
import { pipeline } from '../../src/pipeline/pipeline.policy.ts';
import { FakeClock, flushMicrotasks } from '../../src/testing/index.ts';

/** A random source replaying `values` (then 0.999…), counting draws. */
function replay(...values: number[]) {
  const source = { draws: 0, next: () => values[source.draws++] ?? 0.999999 };
  return source;
}

describe('faultInjection', () => {
  it('is off by default: runs the operation, draws no random number, arms no timer', async () => {
    const clock = new FakeClock();
    const random = replay();
    const chaos = faultInjection({ clock, random });
    assert.equal(await chaos.execute(() => 'real'), 'real');
    chaos.set({ error: { rate: 1 } });
    assert.equal(
      await chaos.execute(() => 'still real'),
      'still real',
      'rates alone do nothing until enabled',
    );
    assert.equal(random.draws, 0);
    assert.equal(clock.pendingTimers, 0);
    assert.equal(chaos.config.enabled, false);
  });

  it('fails calls with an injected error, without running them, at the configured rate', async () => {
    const clock = new FakeClock();
    const chaos = faultInjection({ clock, random: replay(0.29, 0.3) });
    const faults: FaultEvent[] = [];
    chaos.onFault((e) => faults.push(e));
    chaos.set({ enabled: true, error: { rate: 0.3 } });
    let ran = 0;
    const op = () => ++ran;
    await assert.rejects(chaos.execute(op), (e) => isInjectedFaultError(e) && e.kind === 'error');
    assert.equal(await chaos.execute(op), 1, 'a draw of 0.3 is not below the rate');
    assert.deepEqual(faults, [{ kind: 'error' }]);
    chaos.set({ error: { rate: 1, error: () => new Error('UNAVAILABLE') } });
    await assert.rejects(chaos.execute(op), /UNAVAILABLE/);
    assert.equal(ran, 1);
  });

  it('delays calls by the configured latency on the injected clock', async () => {
    const clock = new FakeClock();
    const chaos = faultInjection({ clock, random: replay(0), enabled: true, latency: { rate: 1, ms: 200 } });
    const faults: FaultEvent[] = [];
    chaos.onFault((e) => faults.push(e));
    let started: number | undefined;
    const run = chaos.execute(() => {
      started = clock.now();
      return 'late';
    });
    await clock.tick(199);
    assert.equal(started, undefined);
    await clock.tick(1);
    assert.equal(await run, 'late');
    assert.equal(started, 200);
    assert.deepEqual(faults, [{ kind: 'latency', delayMs: 200 }]);
  });

  it('stops an injected delay when the caller aborts, and never runs the operation', async () => {
    const clock = new FakeClock();
    const chaos = faultInjection({ clock, enabled: true, latency: { rate: 1, ms: 1000 } });
    const caller = new AbortController();
    let ran = false;
    const run = chaos.execute(
      () => {
        ran = true;
      },
      { signal: caller.signal },
    );
    await clock.tick(10);
    caller.abort('bye');
    await assert.rejects(run, (e) => isTaskCancelledError(e) && e.cause === 'bye');
    assert.equal(ran, false);
    assert.equal(clock.pendingTimers, 0);
  });

  it('hangs calls until they are cancelled', async () => {
    const clock = new FakeClock();
    const chaos = faultInjection({ clock, random: replay(0), enabled: true, hang: { rate: 1 } });
    const caller = new AbortController();
    let settled = false;
    let ran = false;
    const run = chaos.execute(
      () => {
        ran = true;
      },
      { signal: caller.signal },
    );
    run.then(
      () => (settled = true),
      () => (settled = true),
    );
    await clock.tick(3_600_000);
    assert.equal(settled, false);
    caller.abort();
    await assert.rejects(run, isTaskCancelledError);
    assert.equal(ran, false);
  });

  it('aborts a started call through its signal, failing it without cancelling the execution around it', async () => {
    const clock = new FakeClock();
    const chaos = faultInjection({ clock, random: replay(0), enabled: true, abort: { rate: 1 } });
    let outerAborted: boolean | undefined;
    const outer = new (class extends BasePolicy {
      async intercept(context: ExecutionContext, next: Chain): Promise<unknown> {
        try {
          return await next.run(context);
        } finally {
          outerAborted = context.aborted;
        }
      }
    })(clock);
    let signal: AbortSignal | undefined;
    const work = Promise.withResolvers<string>();
    await assert.rejects(
      pipeline(outer, chaos).execute((ctx) => {
        signal = ctx.signal;
        return work.promise;
      }),
      (e) => isInjectedFaultError(e) && e.kind === 'abort',
    );
    assert.equal(signal?.aborted, true, 'the callee saw its signal abort');
    assert.ok(isInjectedFaultError(signal?.reason));
    assert.equal(outerAborted, false, 'a retry outside may still try again');
    work.resolve('done anyway');
  });

  it('aborts after afterMs only when the call is still running by then', async () => {
    const clock = new FakeClock();
    const chaos = faultInjection({
      clock,
      random: replay(0, 0),
      enabled: true,
      abort: { rate: 1, afterMs: 50 },
    });
    const fast = chaos.execute(() => clock.tick(10).then(() => 'fast'));
    await clock.tick(10);
    assert.equal(await fast, 'fast');
    assert.equal(clock.pendingTimers, 0);
    const slow = assert.rejects(
      chaos.execute(() => new Promise(() => {})),
      isInjectedFaultError,
    );
    await clock.tick(50);
    await slow;
  });

  it('validates updates as a whole, reports changes and resets', async () => {
    const chaos = faultInjection({ clock: new FakeClock() });
    const changes: FaultConfig[] = [];
    chaos.onChange((c) => changes.push(c));
    assert.throws(() => chaos.set({ error: { rate: 1.5 } }), RangeError);
    assert.throws(() => chaos.set({ enabled: true, error: { rate: 0.6 }, hang: { rate: 0.6 } }), RangeError);
    assert.throws(() => chaos.set({ latency: { rate: 1, ms: -1 } }), RangeError);
    assert.equal(chaos.config.enabled, false, 'a rejected update changes nothing');
    chaos.set({ enabled: true, hang: { rate: 0.5 } }).set({ latency: { rate: 0.1, ms: 5 } });
    assert.equal(chaos.config.hang.rate, 0.5);
    assert.equal(chaos.config.latency.ms, 5);
    assert.throws(() => {
      (chaos.config as { enabled: boolean }).enabled = false;
    }, TypeError);
    chaos.reset();
    assert.equal(changes.length, 3);
    assert.equal(changes[2]!.enabled, false);
    assert.equal(changes[2]!.hang.rate, 0);
  });

  it('picks the exclusive fault from one draw by cumulative rate (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        async (a, b, c, draw) => {
          const sum = a + b + c;
          const [hang, abort, error] =
            sum > 1 ? [a / sum / 1.001, b / sum / 1.001, c / sum / 1.001] : [a, b, c];
          const clock = new FakeClock();
          const chaos = faultInjection({ clock, random: replay(draw), enabled: true, hang: { rate: hang } });
          chaos.set({ abort: { rate: abort }, error: { rate: error } });
          const kinds: string[] = [];
          chaos.onFault((e) => kinds.push(e.kind));
          const caller = new AbortController();
          const run = chaos.execute(() => 'ok', { signal: caller.signal }).catch(() => 'failed');
          await flushMicrotasks();
          caller.abort();
          await run;
          const expected =
            draw < hang
              ? 'hang'
              : draw < hang + abort
                ? 'abort'
                : draw < hang + abort + error
                  ? 'error'
                  : undefined;
          return kinds.length === (expected === undefined ? 0 : 1) && kinds[0] === expected;
        },
      ),
      { numRuns: 200 },
    );
  });
});
