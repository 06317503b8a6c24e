import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  constantBackoff,
  deadlineAfter,
  type GiveUpEvent,
  isRetryableByDefault,
  isTaskCancelledError,
  LoadShedError,
  RateLimitedError,
  type RetryEvent,
  retry,
  retryBudget,
  ThrottledError,
  TimeoutError,
} from '../../src/index.ts';
import { FakeClock } from '../../src/testing/index.ts';

const failing = (n: number, value = 'ok') => {
  let calls = 0;
  const op = async () => {
    calls++;
    if (calls <= n) throw new Error(`fail ${calls}`);
    return value;
  };
  return { op, calls: () => calls };
};

describe('retry', () => {
  it('maxRetries counts retries: maxRetries 3 makes at most 4 calls', async () => {
    const clock = new FakeClock();
    const policy = retry({ maxRetries: 3, backoff: constantBackoff(0), clock });
    const f = failing(10);
    await assert.rejects(policy.execute(f.op), /fail 4/);
    assert.equal(f.calls(), 4);
  });

  it('returns the first success and reports each retry with its delay and attempt number', async () => {
    const clock = new FakeClock();
    const policy = retry({ maxRetries: 5, backoff: constantBackoff(100), clock });
    const retries: RetryEvent[] = [];
    policy.onRetry((e) => retries.push(e));
    const attempts: number[] = [];
    const f = failing(2, 'done');
    const result = policy.execute((ctx) => {
      attempts.push(ctx.attempt);
      return f.op();
    });
    await clock.tick(100);
    await clock.tick(100);
    assert.equal(await result, 'done');
    assert.deepEqual(attempts, [0, 1, 2]);
    assert.deepEqual(
      retries.map((r) => [r.retry, r.delayMs]),
      [
        [1, 100],
        [2, 100],
      ],
    );
  });

  it('waits the backoff delay on the injected clock before retrying', async () => {
    const clock = new FakeClock();
    const policy = retry({ maxRetries: 1, backoff: constantBackoff(1000), clock });
    const f = failing(1);
    const result = policy.execute(f.op);
    await clock.tick(999);
    assert.equal(f.calls(), 1);
    await clock.tick(1);
    assert.equal(await result, 'ok');
    assert.equal(f.calls(), 2);
    assert.equal(clock.pendingTimers, 0);
  });

  it('does not retry local load-protection rejections by default: they already decided not to call', async () => {
    const clock = new FakeClock();
    const rejections = [
      new BrokenCircuitError(10),
      new BulkheadRejectedError('full'),
      new RateLimitedError(50, 'client-a'),
      new LoadShedError('sheddable', 20),
      new ThrottledError(0.5),
    ];
    for (const rejection of rejections) {
      const policy = retry({ maxRetries: 3, backoff: constantBackoff(0), clock });
      let calls = 0;
      await assert.rejects(
        policy.execute(async () => {
          calls++;
          throw rejection;
        }),
        (error) => error === rejection,
      );
      assert.equal(calls, 1, `${rejection.name} was retried`);
    }
    assert.equal(isRetryableByDefault(new Error('connection reset')), true);
  });

  it('does not retry errors the predicate refuses, nor open circuits by default', async () => {
    const clock = new FakeClock();
    const gaveUp: GiveUpEvent[] = [];
    const policy = retry({
      maxRetries: 3,
      backoff: constantBackoff(0),
      clock,
      retryOn: (e) => (e as Error).message !== 'fatal',
    });
    policy.onGiveUp((e) => gaveUp.push(e));
    let calls = 0;
    await assert.rejects(
      policy.execute(async () => {
        calls++;
        throw new Error('fatal');
      }),
      /fatal/,
    );
    assert.equal(calls, 1);
    const byDefault = retry({ maxRetries: 3, backoff: constantBackoff(0), clock });
    let breakerCalls = 0;
    await assert.rejects(
      byDefault.execute(async () => {
        breakerCalls++;
        throw new BrokenCircuitError(10);
      }),
    );
    assert.equal(breakerCalls, 1);
    assert.equal(gaveUp[0]?.reason, 'not-retryable');
  });

  it('never retries a non-idempotent execution', async () => {
    const policy = retry({ maxRetries: 3, backoff: constantBackoff(0), clock: new FakeClock() });
    const f = failing(5);
    await assert.rejects(policy.execute(f.op, { idempotent: false }));
    assert.equal(f.calls(), 1);
  });

  it('gives up at once, without sleeping, when the backoff would outlast the deadline', async () => {
    const clock = new FakeClock();
    const policy = retry({ maxRetries: 3, backoff: constantBackoff(500), clock });
    const gaveUp: GiveUpEvent[] = [];
    policy.onGiveUp((e) => gaveUp.push(e));
    const f = failing(5);
    await assert.rejects(policy.execute(f.op, { deadline: deadlineAfter(300, clock) }), /fail 1/);
    assert.equal(f.calls(), 1);
    assert.equal(gaveUp[0]?.reason, 'deadline');
    assert.equal(clock.pendingTimers, 0);
  });

  it('does not retry an exceeded deadline (a cancellation)', async () => {
    const policy = retry({ maxRetries: 3, backoff: constantBackoff(0), clock: new FakeClock() });
    let calls = 0;
    await assert.rejects(
      policy.execute(async () => {
        calls++;
        throw new TimeoutError(10, true);
      }),
    );
    assert.equal(calls, 1);
  });

  it('stops mid-backoff when the caller aborts, leaving no timer or listener behind', async () => {
    const clock = new FakeClock();
    const policy = retry({ maxRetries: 5, backoff: constantBackoff(10_000), clock });
    const gaveUp: GiveUpEvent[] = [];
    policy.onGiveUp((e) => gaveUp.push(e));
    const caller = new AbortController();
    const f = failing(10);
    const result = policy.execute(f.op, { signal: caller.signal });
    await clock.tick(1);
    assert.equal(clock.pendingTimers, 1);
    caller.abort(new Error('user left'));
    await assert.rejects(result, /fail 1/);
    assert.equal(f.calls(), 1);
    assert.equal(clock.pendingTimers, 0);
    assert.equal(gaveUp[0]?.reason, 'aborted');
  });

  it('rejects at once when the caller already aborted', async () => {
    const caller = new AbortController();
    caller.abort();
    const policy = retry({ clock: new FakeClock() });
    await assert.rejects(
      policy.execute(async () => 1, { signal: caller.signal }),
      (e) => isTaskCancelledError(e),
    );
  });

  it('stops retrying when the shared budget is spent, so an outage cannot multiply load', async () => {
    const clock = new FakeClock();
    const budget = retryBudget({ ratio: 0.2, minRetriesPerSecond: 0, windowMs: 60_000, clock });
    const a = retry({ maxRetries: 3, backoff: constantBackoff(0), budget, clock });
    const b = retry({ maxRetries: 3, backoff: constantBackoff(0), budget, clock });
    let calls = 0;
    const down = async () => {
      calls++;
      throw new Error('down');
    };
    for (let i = 0; i < 50; i++) {
      await assert.rejects((i % 2 ? a : b).execute(down));
    }
    // 50 requests, each allowed up to 3 retries, but the budget admits 20% of 50 = 10 retries in total.
    assert.equal(calls, 60);
  });
});
