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
import { plainPipeline } from '../../src/pipeline/pipeline.policy.ts';
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
    const budget = retryBudget({ ratio: 0.5, minRetriesPerSecond: 1, clock });
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

describe('fused engine edges', () => {
  it('a timeout outside a bulkhead gives up on a queued caller, which then never takes a slot', async () => {
    const clock = new FakeClock();
    const bh = bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: 10_000, clock });
    const p = pipeline(timeout(100, { clock, resolutionMs: 10 }), bh);
    let release!: () => void;
    const first = assert.rejects(
      p.execute(() => new Promise<void>((resolve) => (release = resolve))),
      (e) => isTimeoutError(e),
    );
    let secondRan = false;
    const second = assert.rejects(
      p.execute(() => {
        secondRan = true;
      }),
      (e) => isTimeoutError(e),
    );
    await clock.tick(50);
    assert.equal(bh.queued, 1);
    await clock.tick(70);
    await second;
    assert.equal(bh.queued, 0);
    assert.equal(secondRan, false);
    assert.equal(bh.active, 1);
    await first;
    release();
    await clock.tick(0);
    assert.equal(bh.active, 0);
  });

  it('retries a failing call, then an async fallback outside the retry answers', async () => {
    const clock = new FakeClock();
    const { fallback } = await import('../../src/index.ts');
    const p = pipeline(
      fallback(async () => 'fallback', { clock }),
      retry({ maxRetries: 2, backoff: constantBackoff(10), clock }),
    );
    let calls = 0;
    const result = p.execute(async () => {
      calls++;
      throw new Error('down');
    });
    await clock.tick(50);
    assert.equal(await result, 'fallback');
    assert.equal(calls, 3);
  });

  it('an inner rejection at a later layer unwinds the layers outside it', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(1), openMs: 1_000, clock });
    const bh = bulkhead({ maxConcurrent: 1, clock });
    const p = pipeline(bh, breaker);
    await assert.rejects(p.execute(async () => Promise.reject(new Error('x'))));
    await assert.rejects(
      p.execute(async () => 'never'),
      (e) => isBrokenCircuitError(e),
    );
    assert.equal(bh.active, 0, 'the bulkhead slot was released when the breaker rejected inside it');
  });
});

describe('timeout abandonment bookkeeping', () => {
  it('layers inside an abandoned attempt see its real outcome when it finally settles', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(1), openMs: 10_000, clock });
    const p = pipeline(
      retry({ maxRetries: 1, backoff: constantBackoff(0), clock }),
      timeout(100, { clock, resolutionMs: 10 }),
      breaker,
    );
    let failLate!: (e: Error) => void;
    let calls = 0;
    const result = p.execute(() => {
      calls++;
      return calls === 1 ? new Promise((_, reject) => (failLate = reject)) : Promise.resolve('second');
    });
    await clock.tick(130);
    assert.equal(await result, 'second');
    assert.equal(breaker.state, 'closed', 'the abandoned attempt has not settled yet');
    failLate(new Error('late failure'));
    await clock.tick(0);
    assert.equal(breaker.state, 'open', 'the breaker inside the timeout counted the late failure');
  });

  it('a timeout around hedging aborts the signal of every hedged attempt', async () => {
    const clock = new FakeClock();
    const { hedging } = await import('../../src/index.ts');
    for (const compose of [pipeline, plainPipeline]) {
      const p = compose(
        timeout(100, { clock, resolutionMs: 10 }),
        hedging({ maxHedges: 1, delay: 20, clock }),
      );
      const signals: AbortSignal[] = [];
      const rejected = assert.rejects(
        p.execute((ctx) => {
          signals.push(ctx.signal);
          return new Promise(() => {});
        }),
        (e) => isTimeoutError(e),
      );
      await clock.tick(150);
      await rejected;
      assert.equal(signals.length, 2);
      assert.ok(
        signals.every((s) => s.aborted && isTimeoutError(s.reason)),
        compose.name,
      );
    }
  });
});
