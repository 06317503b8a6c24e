import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bulkhead,
  constantBackoff,
  deadlineAfter,
  isTimeoutError,
  pipeline,
  retry,
  type TimeoutError,
  type TimeoutEvent,
  timeout,
} from '../../src/index.ts';
import { plainPipeline } from '../../src/pipeline/pipeline.policy.ts';
import { FakeClock } from '../../src/testing/index.ts';

/** An operation that settles only when told to, and records the signal it was given. */
function controllable<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const seen: { signal?: AbortSignal } = {};
  return { promise, resolve, reject, seen };
}

describe('timeout', () => {
  it('returns the result of a call that finishes in time and leaves no timer armed', async () => {
    const clock = new FakeClock();
    const policy = timeout(100, { clock, resolutionMs: 10 });
    assert.equal(await policy.execute(async () => 7), 7);
    await clock.tick(200);
    assert.equal(clock.pendingTimers, 0);
  });

  it('rejects with TimeoutError no earlier than timeoutMs and within two resolutions after it', async () => {
    const clock = new FakeClock();
    const policy = timeout(100, { clock, resolutionMs: 10 });
    const events: TimeoutEvent[] = [];
    policy.onTimeout((e) => events.push(e));
    const op = controllable<number>();
    let settled: unknown;
    policy
      .execute(() => op.promise)
      .then(
        (v) => {
          settled = v;
        },
        (e) => {
          settled = e;
        },
      );
    await clock.tick(99);
    assert.equal(settled, undefined);
    await clock.tick(21);
    assert.ok(isTimeoutError(settled));
    assert.equal((settled as TimeoutError).deadline, false);
    assert.deepEqual(events, [{ timeoutMs: 100, deadline: false }]);
  });

  it('aborts the callee signal with the TimeoutError as its reason', async () => {
    const clock = new FakeClock();
    const policy = timeout(50, { clock, resolutionMs: 5 });
    let signal: AbortSignal | undefined;
    const result = policy.execute(
      (ctx) =>
        new Promise((_, reject) => {
          signal = ctx.signal;
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        }),
    );
    const rejected = assert.rejects(result, (e) => isTimeoutError(e));
    await clock.tick(70);
    await rejected;
    assert.equal(signal?.aborted, true);
    assert.ok(isTimeoutError(signal?.reason));
  });

  it('narrows the deadline seen inside and times a shorter caller deadline exactly', async () => {
    const clock = new FakeClock(1000);
    const policy = timeout(10_000, { clock });
    let inside = 0;
    const op = controllable<void>();
    const result = policy.execute(
      (ctx) => {
        inside = ctx.remaining();
        return op.promise;
      },
      { deadline: deadlineAfter(300, clock) },
    );
    assert.equal(inside, 300);
    await clock.tick(299);
    let state = 'pending';
    result.catch(() => {
      state = 'rejected';
    });
    await clock.tick(0);
    assert.equal(state, 'pending');
    await clock.tick(1);
    await assert.rejects(result, (e) => isTimeoutError(e) && e.deadline);
    assert.equal(clock.pendingTimers, 0);
  });

  it('fails at once when the deadline has already passed', async () => {
    const clock = new FakeClock(500);
    let ran = false;
    await assert.rejects(
      timeout(100, { clock }).execute(
        () => {
          ran = true;
        },
        { deadline: 400 },
      ),
      (e) => isTimeoutError(e) && e.deadline,
    );
    assert.equal(ran, false);
  });

  it('as a per-attempt timeout inside retry, times out one attempt and lets the retry try again', async () => {
    const clock = new FakeClock();
    const p = pipeline(
      retry({ maxRetries: 2, backoff: constantBackoff(0), clock }),
      timeout(100, { clock, resolutionMs: 10 }),
    );
    const signals: AbortSignal[] = [];
    let calls = 0;
    const result = p.execute((ctx) => {
      signals.push(ctx.signal);
      calls++;
      return calls === 1 ? new Promise(() => {}) : Promise.resolve('second');
    });
    await clock.tick(130);
    assert.equal(await result, 'second');
    assert.equal(calls, 2);
    assert.equal(signals[0]!.aborted, true, 'the abandoned attempt was told to stop');
    assert.equal(signals[1]!.aborted, false, 'the retry got a fresh signal');
  });

  it('as a total timeout around retry, abandons a hung attempt and stops the retry loop', async () => {
    const clock = new FakeClock();
    const p = pipeline(
      timeout(250, { clock, resolutionMs: 10 }),
      retry({ maxRetries: 100, backoff: constantBackoff(100), clock }),
    );
    let calls = 0;
    const rejected = assert.rejects(
      p.execute(() => {
        calls++;
        return calls === 1 ? Promise.reject(new Error('down')) : new Promise(() => {});
      }),
      (e) => isTimeoutError(e),
    );
    await clock.tick(400);
    await rejected;
    assert.equal(calls, 2);
    await clock.tick(1000);
    assert.equal(calls, 2, 'no attempt after the timeout');
    assert.equal(clock.pendingTimers, 0);
  });

  it('inside a total timeout, retry gives up with the last error instead of sleeping past the deadline', async () => {
    const clock = new FakeClock();
    const p = pipeline(
      timeout(250, { clock, resolutionMs: 10 }),
      retry({ maxRetries: 100, backoff: constantBackoff(100), clock }),
    );
    let calls = 0;
    const rejected = assert.rejects(
      p.execute(async () => {
        calls++;
        throw new Error(`down ${calls}`);
      }),
      /down 3/,
    );
    await clock.tick(400);
    await rejected;
    assert.equal(calls, 3);
    assert.equal(clock.pendingTimers, 0);
  });

  it('keeps the bulkhead slot of an abandoned call until the call really ends', async () => {
    const clock = new FakeClock();
    const bh = bulkhead({ maxConcurrent: 1, clock });
    const p = pipeline(bh, timeout(100, { clock, resolutionMs: 10 }));
    const op = controllable<string>();
    const rejected = assert.rejects(
      p.execute(() => op.promise),
      (e) => isTimeoutError(e),
    );
    await clock.tick(130);
    await rejected;
    assert.equal(bh.active, 1, 'the callee ignored its signal and still runs');
    op.resolve('late');
    await clock.tick(0);
    assert.equal(bh.active, 0);
  });

  it('rejects nonsensical durations', () => {
    assert.throws(() => timeout(0), RangeError);
    assert.throws(() => timeout(Number.POSITIVE_INFINITY), RangeError);
  });

  it('still releases a caller that aborted when the callee ignores its signal', async () => {
    const clock = new FakeClock();
    const t = timeout(100, { clock, resolutionMs: 10 });
    const events: TimeoutEvent[] = [];
    t.onTimeout((e) => events.push(e));
    const caller = new AbortController();
    const result = t.execute(() => new Promise(() => {}), { signal: caller.signal });
    const rejected = assert.rejects(result, (e) => isTimeoutError(e));
    caller.abort(new Error('caller gave up'));
    await clock.tick(150);
    await rejected;
    assert.equal(events.length, 1);
  });

  for (const [composition, compose] of [
    ['fused', pipeline],
    ['plain', plainPipeline],
  ] as const) {
    it(`nested timeouts (${composition}) report a hung call once: the second to fire finds its caller released`, async () => {
      const clock = new FakeClock();
      // Both inner ones are bound by the deadline the outer one narrowed, and due at the same instant.
      const [outer, middle, inner] = [30, 30, 30].map((ms) => timeout(ms, { clock, resolutionMs: 5 }));
      const reported: string[] = [];
      outer!.onTimeout(() => reported.push('outer'));
      middle!.onTimeout(() => reported.push('middle'));
      inner!.onTimeout(() => reported.push('inner'));
      const rejected = assert.rejects(
        compose(outer!, middle!, inner!).execute(() => new Promise(() => {})),
        (e) => isTimeoutError(e),
      );
      await clock.tick(200);
      await rejected;
      assert.equal(reported.length, 1, reported.join());
    });
  }
});
