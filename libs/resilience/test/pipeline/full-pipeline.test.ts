import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BasePolicy,
  bulkhead,
  type Chain,
  circuitBreaker,
  consecutiveBreaker,
  constantBackoff,
  type ExecutionContext,
  isBrokenCircuitError,
  isTimeoutError,
  pipeline,
  retry,
  retryBudget,
  timeout,
} from '../../src/index.ts';
import { FakeClock } from '../../src/testing/index.ts';

/** A policy without fused hooks, composed through intercept(): it must mix with fused ones. */
class Counting extends BasePolicy {
  calls = 0;
  async intercept(ctx: ExecutionContext, next: Chain): Promise<unknown> {
    this.calls++;
    return await next.run(ctx);
  }
}

describe('full pipeline (bulkhead, timeout, retry, breaker, attempt timeout)', () => {
  const build = (clock: FakeClock) => {
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(3), openMs: 5_000, clock });
    const bh = bulkhead({ maxConcurrent: 2, maxQueue: 0, clock });
    const budget = retryBudget({ ratio: 0.5, minRetries: 10, clock });
    const p = pipeline(
      bh,
      timeout(2_000, { clock, resolutionMs: 10 }),
      retry({ maxRetries: 3, backoff: constantBackoff(50), budget, clock }),
      breaker,
      timeout(300, { clock, resolutionMs: 10 }),
    );
    return { p, breaker, bh };
  };

  it('succeeds through every layer and leaves nothing armed', async () => {
    const clock = new FakeClock();
    const { p, bh } = build(clock);
    assert.equal(await p.execute(async (ctx) => `attempt ${ctx.attempt}`), 'attempt 0');
    assert.equal(bh.active, 0);
    await clock.tick(5_000);
    assert.equal(clock.pendingTimers, 0);
  });

  it('retries a hung attempt after its attempt timeout and then succeeds', async () => {
    const clock = new FakeClock();
    const { p, bh } = build(clock);
    let calls = 0;
    const result = p.execute(() => {
      calls++;
      return calls === 1 ? new Promise(() => {}) : Promise.resolve('ok');
    });
    await clock.tick(400);
    assert.equal(await result, 'ok');
    assert.equal(calls, 2);
    assert.equal(bh.active, 1, 'the hung first attempt still holds its slot');
  });

  it('opens the breaker during an outage; retries then stop at the open circuit', async () => {
    const clock = new FakeClock();
    const { p, breaker } = build(clock);
    let calls = 0;
    const result = p.execute(async () => {
      calls++;
      throw new Error('down');
    });
    const rejected = assert.rejects(result, (e) => isBrokenCircuitError(e));
    await clock.tick(1_000);
    await rejected;
    assert.equal(breaker.state, 'open');
    assert.equal(calls, 3, 'the fourth attempt met the open circuit and was not retried');
  });

  it('mixes with a policy that only implements intercept()', async () => {
    const clock = new FakeClock();
    const counting = new Counting(clock);
    const t = timeout(100, { clock, resolutionMs: 10 });
    const p = pipeline(retry({ maxRetries: 1, backoff: constantBackoff(0), clock }), counting, t);
    let calls = 0;
    const result = p.execute(() => {
      calls++;
      return calls === 1 ? new Promise(() => {}) : Promise.resolve('second');
    });
    await clock.tick(150);
    assert.equal(await result, 'second');
    assert.equal(counting.calls, 2);
    const only = pipeline(counting);
    assert.equal(await only.execute(() => 'x'), 'x');
  });

  it('an outer total timeout wins over inner retries and reports a TimeoutError', async () => {
    const clock = new FakeClock();
    const p = pipeline(
      timeout(500, { clock, resolutionMs: 10 }),
      retry({ maxRetries: 10, backoff: constantBackoff(10), clock }),
      timeout(200, { clock, resolutionMs: 10 }),
    );
    const rejected = assert.rejects(
      p.execute(() => new Promise(() => {})),
      (e) => isTimeoutError(e),
    );
    await clock.tick(1_000);
    await rejected;
  });
});
