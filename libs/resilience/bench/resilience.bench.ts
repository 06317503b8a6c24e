/**
 * Rebound resilience micro-benchmark: `pnpm --filter @rebound/resilience run bench` (or `pnpm bench:resilience`).
 *
 * Fairness:
 * - Every case awaits the same `async () => {}` no-op (`noop` below), sequentially, one call in flight, so each
 *   number is the per-call overhead of the policy on top of the bare `await noop()` row.
 * - Each library gets its closest equivalent configuration: retry with at most 3 retries and exponential
 *   backoff (never used: the no-op always succeeds); a consecutive-failure breaker (5 failures, open 10 s);
 *   an aggressive 1 s timeout (the caller is released at the deadline and the callee's signal aborted; cockatiel
 *   with `abortOnReturn: false`, its cheapest mode, because Rebound does not abort on success either); a
 *   bulkhead of 10 slots without a queue. The full pipeline composes the same four policies in the same order
 *   in both libraries: cockatiel `wrap(retry, breaker, timeout, bulkhead)` vs Rebound
 *   `pipeline(retry, breaker, timeout, bulkhead)`. Rebound's recommended order is reported as an extra row, and
 *   so is the same pipeline composed through each policy's `intercept()` alone (`plainPipeline`, no fused fast
 *   path): the "fusion gain" line is its cost over the fused one. Single-policy rows run `policy.execute()`,
 *   which is the policy's plain `intercept()`.
 * - opossum has no retry; its `fire()` is measured with `timeout: false` (breaker only) and with its defaults
 *   (breaker + 10 s timeout, which is how it is normally used).
 * - Open-breaker rejection: each breaker is tripped by 5 real failures (opossum: `open()`), then every call is
 *   rejected and the rejection caught, which is what a caller pays when a dependency is down.
 * - Method: `--expose-gc`; main-thread CPU time (not wall time: the machine is shared); warm-up; then ROUNDS rounds in which the cases run interleaved (so machine noise
 *   hits all of them alike), with a GC before each measurement; the table reports each case's median round, and
 *   each bar is the median over rounds of that round's ratio (both sides measured moments apart).
 *
 * Output: a table (ns/op, ops/s, ratio to the bare call, speed-up over the cockatiel/opossum equivalent), PASS
 * or FAIL per bar, and one line `BENCH_JSON {...}` for machines. Exits 1 when a bar fails.
 */
import { createRequire } from 'node:module';
import {
  ConsecutiveBreaker,
  bulkhead as cBulkhead,
  circuitBreaker as cCircuitBreaker,
  retry as cRetry,
  timeout as cTimeout,
  ExponentialBackoff,
  handleAll,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import {
  bulkhead,
  circuitBreaker,
  consecutiveBreaker,
  exponentialBackoff,
  pipeline,
  retry,
  timeout,
} from '../src/index.ts';
import { plainPipeline } from '../src/pipeline/pipeline.policy.ts';

interface OpossumBreaker {
  fire(): Promise<unknown>;
  open(): void;
  shutdown(): void;
}
type OpossumCtor = new (action: () => Promise<unknown>, options: Record<string, unknown>) => OpossumBreaker;
const OpossumBreaker = createRequire(import.meta.url)('opossum') as OpossumCtor;

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const TARGET_MS = Number(process.env.BENCH_ROUND_MS ?? 150);
const gc = (globalThis as { gc?: () => void }).gc;

const noop = async (): Promise<void> => {};
const fail = async (): Promise<void> => {
  throw new Error('down');
};

// ---- Rebound ----
const rRetry = retry({ maxRetries: 3, backoff: exponentialBackoff() });
const rBreaker = circuitBreaker({ breaker: consecutiveBreaker(5), openMs: 10_000 });
const rTimeout = timeout(1_000);
const rBulkhead = bulkhead({ maxConcurrent: 10, maxQueue: 0 });
const rPipeline = pipeline(
  retry({ maxRetries: 3, backoff: exponentialBackoff() }),
  circuitBreaker({ breaker: consecutiveBreaker(5), openMs: 10_000 }),
  timeout(1_000),
  bulkhead({ maxConcurrent: 10, maxQueue: 0 }),
);
// The same four policies composed through their intercept() alone, without pipeline()'s fused fast path.
const rPipelinePlain = plainPipeline(
  retry({ maxRetries: 3, backoff: exponentialBackoff() }),
  circuitBreaker({ breaker: consecutiveBreaker(5), openMs: 10_000 }),
  timeout(1_000),
  bulkhead({ maxConcurrent: 10, maxQueue: 0 }),
);
const rPipelineRecommended = pipeline(
  bulkhead({ maxConcurrent: 10, maxQueue: 0 }),
  timeout(1_000),
  retry({ maxRetries: 3, backoff: exponentialBackoff() }),
  circuitBreaker({ breaker: consecutiveBreaker(5), openMs: 10_000 }),
);
const rOpen = circuitBreaker({ breaker: consecutiveBreaker(5), openMs: 1e9 });

// ---- cockatiel ----
const cRetryP = () => cRetry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() });
const cBreakerP = () =>
  cCircuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) });
const cTimeoutP = () => cTimeout(1_000, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
const cBulkheadP = () => cBulkhead(10, 0);
const cRetry1 = cRetryP();
const cBreaker1 = cBreakerP();
const cTimeout1 = cTimeoutP();
const cBulkhead1 = cBulkheadP();
const cWrap = wrap(cRetryP(), cBreakerP(), cTimeoutP(), cBulkheadP());
const cOpen = cCircuitBreaker(handleAll, { halfOpenAfter: 1e9, breaker: new ConsecutiveBreaker(5) });

// ---- opossum ----
const oBreaker = new OpossumBreaker(noop, { timeout: false });
const oDefault = new OpossumBreaker(noop, {});
const oOpen = new OpossumBreaker(noop, { timeout: false });

const swallow = (): void => {};

interface Case {
  readonly name: string;
  readonly lib: 'bare' | 'rebound' | 'cockatiel' | 'opossum';
  readonly run: () => Promise<unknown>;
}

const allCases: Case[] = [
  // The cases behind the bars come first and adjacent, so each round measures both sides of a ratio together.
  { name: 'bare await', lib: 'bare', run: () => noop() },
  { name: 'pipeline', lib: 'rebound', run: () => rPipeline.execute(noop) },
  { name: 'pipeline', lib: 'cockatiel', run: () => cWrap.execute(noop) },
  { name: 'pipeline (plain, not fused)', lib: 'rebound', run: () => rPipelinePlain.execute(noop) },
  { name: 'open-breaker rejection', lib: 'rebound', run: () => rOpen.execute(noop).catch(swallow) },
  { name: 'open-breaker rejection', lib: 'cockatiel', run: () => cOpen.execute(noop).catch(swallow) },
  { name: 'open-breaker rejection', lib: 'opossum', run: () => oOpen.fire().catch(swallow) },
  { name: 'pipeline (recommended order)', lib: 'rebound', run: () => rPipelineRecommended.execute(noop) },
  { name: 'retry', lib: 'rebound', run: () => rRetry.execute(noop) },
  { name: 'retry', lib: 'cockatiel', run: () => cRetry1.execute(noop) },
  { name: 'breaker', lib: 'rebound', run: () => rBreaker.execute(noop) },
  { name: 'breaker', lib: 'cockatiel', run: () => cBreaker1.execute(noop) },
  { name: 'breaker', lib: 'opossum', run: () => oBreaker.fire() },
  { name: 'timeout', lib: 'rebound', run: () => rTimeout.execute(noop) },
  { name: 'timeout', lib: 'cockatiel', run: () => cTimeout1.execute(noop) },
  { name: 'bulkhead', lib: 'rebound', run: () => rBulkhead.execute(noop) },
  { name: 'bulkhead', lib: 'cockatiel', run: () => cBulkhead1.execute(noop) },
  { name: 'fire() defaults (breaker+timeout)', lib: 'opossum', run: () => oDefault.fire() },
];

// BENCH_ONLY=rebound (or cockatiel, opossum) measures one library (plus the bare call) for diagnosis; the bars
// need all of them.
const only = process.env.BENCH_ONLY;
const cases = only ? allCases.filter((c) => c.lib === 'bare' || c.lib === only) : allCases;

/**
 * Milliseconds of CPU time of the main thread (user + system) spent running `run` n times in sequence. CPU time
 * rather than wall time: this machine is shared, and time spent descheduled while other processes run would
 * otherwise be billed to whichever case happened to be measured. Main thread only: V8's background GC threads
 * still sweeping up after the previous case (another library's garbage) are not billed to this one.
 */
async function loop(run: () => Promise<unknown>, n: number): Promise<number> {
  const start = process.threadCpuUsage();
  for (let i = 0; i < n; i++) await run();
  const used = process.threadCpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function main(): Promise<void> {
  if (gc === undefined) throw new Error('run with --expose-gc (the bench script does)');
  // Trip the breakers under test with real failures.
  for (let i = 0; i < 5; i++) {
    await rOpen.execute(fail).catch(swallow);
    await cOpen.execute(fail).catch(swallow);
  }
  oOpen.open();
  if (rOpen.state !== 'open') throw new Error('rebound breaker did not open');

  // Warm up and calibrate: iterations per round so one round of one case takes about TARGET_MS.
  const iterations = new Map<Case, number>();
  for (const c of cases) {
    await loop(c.run, 20_000);
    const ms = await loop(c.run, 20_000);
    iterations.set(c, Math.max(5_000, Math.round((20_000 * TARGET_MS) / Math.max(ms, 1))));
  }
  const samples = new Map<Case, number[]>(cases.map((c) => [c, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cases) {
      const n = iterations.get(c)!;
      gc();
      const ms = await loop(c.run, n);
      samples.get(c)!.push((ms * 1e6) / n);
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)]!;
  };
  const ns = new Map(cases.map((c) => [`${c.lib}:${c.name}`, median(samples.get(c)!)]));
  const get = (lib: string, name: string): number => ns.get(`${lib}:${name}`)!;
  const bare = get('bare', 'bare await');

  console.log(
    `node ${process.version}, ${ROUNDS} rounds, CPU time, median of rounds; x bare = ns / bare ns,`,
  );
  console.log('speed-up = competitor ns / rebound ns (higher is better)\n');
  console.log(
    `${'case'.padEnd(36)}${'library'.padEnd(11)}${'ns/op'.padStart(9)}${'ops/s'.padStart(13)}${'x bare'.padStart(9)}  speed-up`,
  );
  for (const c of cases) {
    const v = get(c.lib, c.name);
    let speedup = '';
    if (c.lib === 'rebound') {
      const parts = ['cockatiel', 'opossum']
        .filter((lib) => ns.has(`${lib}:${c.name}`))
        .map((lib) => `${(get(lib, c.name) / v).toFixed(1)}x vs ${lib}`);
      speedup = parts.join(', ');
    }
    console.log(
      `${c.name.padEnd(36)}${c.lib.padEnd(11)}${v.toFixed(0).padStart(9)}${Math.round(1e9 / v)
        .toLocaleString('en-US')
        .padStart(13)}${(v / bare).toFixed(2).padStart(9)}  ${speedup}`,
    );
  }

  if (only) return;
  // Bars use the median over rounds of each round's own ratio: both sides of a ratio were measured moments
  // apart, so a burst of load from other processes on the machine shifts both rather than one.
  const sample = (lib: string, name: string): number[] =>
    samples.get(cases.find((c) => c.lib === lib && c.name === name)!)!;
  const ratio = (num: number[], den: number[]): number => median(num.map((n, i) => n / den[i]!));
  const pipelineVsCockatiel = ratio(sample('cockatiel', 'pipeline'), sample('rebound', 'pipeline'));
  const pipelineVsBare = ratio(sample('rebound', 'pipeline'), sample('bare', 'bare await'));
  const openVsCockatiel = ratio(
    sample('cockatiel', 'open-breaker rejection'),
    sample('rebound', 'open-breaker rejection'),
  );
  const openVsOpossum = ratio(
    sample('opossum', 'open-breaker rejection'),
    sample('rebound', 'open-breaker rejection'),
  );
  // A caller whose dependency is down must pay no more than one whose call succeeds through the pipeline.
  const openVsSuccess = ratio(sample('rebound', 'open-breaker rejection'), sample('rebound', 'pipeline'));
  const bars = [
    {
      bar: 'pipeline throughput >= 10x cockatiel wrap',
      value: pipelineVsCockatiel,
      pass: pipelineVsCockatiel >= 10,
    },
    { bar: 'pipeline cost <= 8x bare await', value: pipelineVsBare, pass: pipelineVsBare <= 8 },
    {
      bar: 'open-breaker rejection >= 3x faster than cockatiel',
      value: openVsCockatiel,
      pass: openVsCockatiel >= 3,
    },
    {
      bar: 'open-breaker rejection >= 3x faster than opossum',
      value: openVsOpossum,
      pass: openVsOpossum >= 3,
    },
    {
      bar: 'open-breaker rejection <= 1x a successful pipeline call',
      value: openVsSuccess,
      pass: openVsSuccess <= 1,
    },
  ];
  // Not a bar: what pipeline()'s fused fast path saves over composing the same policies through intercept().
  const fusionGain = ratio(sample('rebound', 'pipeline (plain, not fused)'), sample('rebound', 'pipeline'));
  console.log('');
  console.log(`fusion gain: a plain (intercept-only) pipeline costs ${fusionGain.toFixed(2)}x the fused one`);
  for (const b of bars) console.log(`${b.pass ? 'PASS' : 'FAIL'}  ${b.bar}: ${b.value.toFixed(2)}x`);
  const json = {
    node: process.version,
    rounds: ROUNDS,
    nsPerOp: Object.fromEntries(ns),
    ratios: {
      pipelineVsCockatiel,
      pipelineVsBare,
      openVsCockatiel,
      openVsOpossum,
      openVsSuccess,
      fusionGain,
    },
    bars: bars.map((b) => ({ bar: b.bar, value: b.value, pass: b.pass })),
  };
  console.log(`BENCH_JSON ${JSON.stringify(json)}`);
  oBreaker.shutdown();
  oDefault.shutdown();
  oOpen.shutdown();
  if (!bars.every((b) => b.pass)) process.exitCode = 1;
}

await main();
