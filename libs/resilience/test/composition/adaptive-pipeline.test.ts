import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRateLimitedError } from '../../src/errors/rate-limited.error.ts';
import { faultInjection } from '../../src/fault-injection/fault-injection.policy.ts';
import { hedging } from '../../src/hedging/hedging.policy.ts';
import {
  bulkhead,
  circuitBreaker,
  constantBackoff,
  type ExecutionContext,
  isTimeoutError,
  pipeline,
  retry,
  retryBudget,
  timeout,
} from '../../src/index.ts';
import { aimdLimit } from '../../src/load-shedding/aimd.limit.ts';
import { loadShedding } from '../../src/load-shedding/load-shedding.policy.ts';
import { keyedRateLimit } from '../../src/rate-limit/keyed-rate-limit.policy.ts';
import { FakeClock, flushMicrotasks } from '../../src/testing/index.ts';
import { adaptiveThrottle } from '../../src/throttling/adaptive-throttle.policy.ts';

describe('adaptive policies in a pipeline with the core policies', () => {
  it('limits per client before anything else runs, then passes through the fused core policies', async () => {
    const clock = new FakeClock();
    const limiter = keyedRateLimit({ rate: 1, burst: 1, clock });
    const p = pipeline(
      limiter,
      loadShedding({ clock }),
      adaptiveThrottle({ clock }),
      timeout(1000, { clock, resolutionMs: 10 }),
      retry({ maxRetries: 2, backoff: constantBackoff(10), clock }),
      circuitBreaker({ clock }),
    );
    let calls = 0;
    const op = () => ++calls;
    assert.equal(await p.execute(op, { key: 'alice' }), 1);
    await assert.rejects(p.execute(op, { key: 'alice' }), isRateLimitedError);
    assert.equal(await p.execute(op, { key: 'bob' }), 2);
    assert.equal(calls, 2);
  });

  it('keeps a shed slot until work abandoned by a fused timeout inside really ends, and counts it as a drop', async () => {
    const clock = new FakeClock();
    const shedder = loadShedding({ clock, limit: aimdLimit({ initialLimit: 3, minLimit: 1, maxLimit: 5 }) });
    const p = pipeline(shedder, timeout(100, { clock, resolutionMs: 10 }));
    const work = Promise.withResolvers<string>();
    let signal: AbortSignal | undefined;
    const run = assert.rejects(
      p.execute((ctx) => {
        signal = ctx.signal;
        return work.promise;
      }),
      isTimeoutError,
    );
    await clock.tick(200);
    await run;
    assert.equal(signal?.aborted, true);
    assert.equal(shedder.inflight, 1, 'the abandoned call still holds its slot');
    assert.equal(shedder.limit, 2, 'the timeout was a drop: floor(3 × 0.9)');
    work.resolve('late');
    await flushMicrotasks();
    assert.equal(shedder.inflight, 0);
  });

  it('hedges inside a retry, drawing both from one budget', async () => {
    const clock = new FakeClock();
    const budget = retryBudget({ ratio: 0, minRetriesPerSecond: 0.1, clock });
    const p = pipeline(
      retry({ maxRetries: 3, backoff: constantBackoff(1), budget, clock }),
      hedging({ delay: 10, budget, recordRequests: false, clock }),
    );
    const attempts: Array<PromiseWithResolvers<string>> = [];
    const run = p.execute(() => {
      const d = Promise.withResolvers<string>();
      attempts.push(d);
      return d.promise;
    });
    await clock.tick(10);
    assert.equal(attempts.length, 2, 'the hedge took the only token');
    attempts[0]!.reject(new Error('e0'));
    attempts[1]!.reject(new Error('e1'));
    await assert.rejects(run, /e1/);
    assert.equal(attempts.length, 2, 'no retry: the budget was spent by the hedge');
    assert.equal(budget.requests, 1);
    assert.equal(budget.retries, 1);
  });

  it('gives each hedge its own attempt timeout and cancels the loser', async () => {
    const clock = new FakeClock();
    const p = pipeline(hedging({ delay: 20, clock }), timeout(1000, { clock, resolutionMs: 10 }));
    const signals: AbortSignal[] = [];
    const run = p.execute((ctx: ExecutionContext) => {
      signals.push(ctx.signal);
      return signals.length === 1 ? new Promise(() => {}) : clock.tick(5).then(() => 'second');
    });
    await clock.tick(30);
    assert.equal(await run, 'second');
    assert.equal(signals.length, 2);
    assert.equal(signals[0]!.aborted, true);
    assert.equal(signals[1]!.aborted, false);
  });

  it('lets a retry outside recover from injected errors and mid-call aborts', async () => {
    const clock = new FakeClock();
    const draws = [0.1, 0.6, 0.99];
    const chaos = faultInjection({
      clock,
      random: { next: () => draws.shift() ?? 0.99 },
      enabled: true,
      error: { rate: 0.5 },
      abort: { rate: 0.3 },
    });
    const p = pipeline(retry({ maxRetries: 3, backoff: constantBackoff(5), clock }), chaos);
    let calls = 0;
    const run = p.execute(() => ++calls);
    await clock.tick(20);
    // draw 0.6 → abort (rate band [0, 0.3) is abort, [0.3, 0.8) error): 0.1 abort, 0.6 error, 0.99 none
    assert.equal(await run, 2, 'the aborted attempt ran once, the errored one did not, the third succeeded');
  });

  it('turns an injected hang into a timeout, and the hang stops when its signal aborts', async () => {
    const clock = new FakeClock();
    const chaos = faultInjection({ clock, random: { next: () => 0 }, enabled: true, hang: { rate: 1 } });
    const p = pipeline(bulkhead({ maxConcurrent: 1, clock }), timeout(50, { clock, resolutionMs: 5 }), chaos);
    const run = assert.rejects(
      p.execute(() => 'never'),
      isTimeoutError,
    );
    await clock.tick(100);
    await run;
    chaos.reset();
    assert.equal(await p.execute(() => 'after'), 'after', 'the bulkhead slot was freed: the hang ended');
  });
});
