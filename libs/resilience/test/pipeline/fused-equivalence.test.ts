// The fused fast path is only an optimisation of pipeline(): for any composition of the core policies and any
// script of outcomes, a fused pipeline and the same policies composed through intercept() alone must answer
// every call alike and leave the policies in the same state, with the same events. Each call's own sequence is
// compared, and each policy's events as a set: concurrent calls may interleave differently within one turn.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  bulkhead,
  circuitBreaker,
  consecutiveBreaker,
  constantBackoff,
  fallback,
  type Policy,
  pipeline,
  retry,
  timeout,
} from '../../src/index.ts';
import { plainPipeline } from '../../src/pipeline/pipeline.policy.ts';
import { FakeClock } from '../../src/testing/index.ts';

type Step = 'ok' | 'fail' | 'slow' | 'hang' | 'late-fail';
type Layer =
  | { kind: 'retry'; maxRetries: number; backoffMs: number }
  | { kind: 'breaker'; failures: number }
  | { kind: 'timeout'; ms: number }
  | { kind: 'bulkhead'; maxQueue: number }
  | { kind: 'fallback' };

const layer: fc.Arbitrary<Layer> = fc.oneof(
  fc.record({
    kind: fc.constant('retry' as const),
    maxRetries: fc.nat(3),
    backoffMs: fc.constantFrom(0, 10),
  }),
  fc.record({ kind: fc.constant('breaker' as const), failures: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('timeout' as const), ms: fc.constantFrom(30, 200) }),
  fc.record({ kind: fc.constant('bulkhead' as const), maxQueue: fc.nat(1) }),
  fc.record({ kind: fc.constant('fallback' as const) }),
);
const step = fc.constantFrom<Step>('ok', 'fail', 'slow', 'hang', 'late-fail');

/** Builds the policies on `clock`, recording every event they emit in `log`. */
function build(layers: readonly Layer[], clock: FakeClock, log: string[]): Policy[] {
  return layers.map((l, i): Policy => {
    switch (l.kind) {
      case 'retry': {
        const p = retry({ maxRetries: l.maxRetries, backoff: constantBackoff(l.backoffMs), clock });
        p.onRetry((e) => log.push(`${i} retry ${e.retry}`));
        p.onGiveUp((e) => log.push(`${i} give up ${e.reason} ${e.attempts}`));
        return p;
      }
      case 'breaker': {
        const p = circuitBreaker({ breaker: consecutiveBreaker(l.failures), openMs: 100, clock });
        p.onStateChange((e) => log.push(`${i} ${e.from}->${e.to}`));
        return p;
      }
      case 'timeout': {
        const p = timeout(l.ms, { clock, resolutionMs: 5 });
        p.onTimeout((e) => log.push(`${i} timeout ${e.timeoutMs}`));
        return p;
      }
      case 'bulkhead': {
        const p = bulkhead({ maxConcurrent: 1, maxQueue: l.maxQueue, queueTimeoutMs: 50, clock });
        p.onReject((e) => log.push(`${i} bulkhead ${e.reason}`));
        return p;
      }
      default:
        return fallback(() => 'fallback', { clock });
    }
  });
}

/** Runs `calls` (each a script of attempt outcomes; calls start 20 ms apart), returning what happened. */
async function run(layers: readonly Layer[], calls: readonly Step[][], fuse: boolean): Promise<string[]> {
  const clock = new FakeClock();
  const log: string[] = [];
  const policies = build(layers, clock, log);
  const p = fuse ? pipeline(...policies) : plainPipeline(...policies);
  const outcomes: Promise<void>[] = [];
  for (const [n, script] of calls.entries()) {
    let attempt = 0;
    const result = p.execute((ctx) => {
      const s = script[Math.min(attempt++, script.length - 1)]!;
      log.push(`call ${n} attempt ${ctx.attempt} ${s}`);
      if (s === 'ok') return `ok ${n}`;
      if (s === 'fail') return Promise.reject(new Error(`fail ${n}`));
      return new Promise((resolve, reject) => {
        if (s === 'slow') clock.setTimer(() => resolve(`slow ${n}`), 100);
        else if (s === 'late-fail') clock.setTimer(() => reject(new Error(`late ${n}`)), 100);
        // 'hang' settles only when its signal aborts (a well-behaved callee), 5 ms later: a callee that gave
        // up within the same turn would race the layers' own unwinding, whose order is not part of the contract.
        else {
          const signal = ctx.signal;
          signal.addEventListener('abort', () => clock.setTimer(() => reject(signal.reason), 5));
        }
      });
    });
    outcomes.push(
      result.then(
        (value) => void log.push(`call ${n} = ${String(value)}`),
        (error: Error) => void log.push(`call ${n} ! ${error.name}: ${error.message}`),
      ),
    );
    // Calls start 20 ms apart, so neighbours overlap when one is slow.
    await clock.tick(20);
  }
  for (let t = 0; t < 60; t++) await clock.tick(10);
  await Promise.race([Promise.all(outcomes), Promise.resolve()]);
  for (const [i, policy] of policies.entries()) {
    const state = policy as { state?: string; active?: number; queued?: number };
    if (state.state !== undefined) log.push(`${i} state ${state.state}`);
    if (state.active !== undefined) log.push(`${i} active ${state.active} queued ${state.queued}`);
  }
  const byOwner = new Map<string, string[]>();
  for (const line of log) {
    const owner = line.startsWith('call') ? line.split(' ', 2).join(' ') : line.split(' ', 1)[0]!;
    byOwner.set(owner, [...(byOwner.get(owner) ?? []), line]);
  }
  return [...byOwner.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([owner, lines]) => (owner.startsWith('call') ? lines : lines.sort()));
}

describe('fused and plain composition', () => {
  it('answer alike, with the same events and final states, for any composition and outcome script', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(layer, { minLength: 1, maxLength: 4 }),
        fc.array(fc.array(step, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        async (layers, calls) => {
          const fused = await run(layers, calls, true);
          const plain = await run(layers, calls, false);
          assert.deepEqual(plain, fused);
        },
      ),
      { numRuns: 200, seed: 13 },
    );
  });
});
