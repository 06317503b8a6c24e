/**
 * gRPC unary benchmark (issue 4, "Benchmark"): throughput and p50/p99 at concurrency 1/16/64 for raw grpc-js,
 * @rebound/rpc (full client pipeline + metrics on both sides), a NestJS gRPC microservice and a NestJS service
 * behind @rebound/rpc; client CPU per request; p99 at a fixed moderate rate; and the overload experiment
 * (capacity, then 3× capacity offered, goodput within the deadline with shedding on and off); and the NestJS
 * service behind @rebound/rpc with tracing off, on (every call sampled) and on (10% sampled).
 * Prints a table and one JSON line. Bounded: about 3½ minutes.
 */
import { availableParallelism, loadavg } from 'node:os';
import { runForJson, startListening, stopListening as stop } from './children.ts';
import { rawClient, reboundClient } from './clients.ts';
import { inProcessCpu } from './in-process.ts';
import { percentile, type RunResult, runClosed, runOpen } from './load.ts';
import { measureTracingCost } from './tracing-cost.ts';

const RUN_MS = Number(process.env.BENCH_RUN_MS ?? 1_500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Rounds at c=64 and at the fixed rate, the bars' figures: more of them, as each is judged round by round. */
const BAR_ROUNDS = Number(process.env.BENCH_BAR_ROUNDS ?? 7);
const FIXED_ROUNDS = Number(process.env.BENCH_FIXED_ROUNDS ?? 12);
const FIXED_MS = 800;
const CONCURRENCY = [1, 16, 64];
const FIXED_RATE = Number(process.env.BENCH_FIXED_RATE ?? 500);
const OVERLOAD_WORK_MS = Number(process.env.BENCH_WORK_MS ?? 5);
const ONLY = process.env.BENCH_ONLY;
const OVERLOAD_DEADLINE_MS = 200;

const startServer = (kind: string, workMs = 0, shedding = 'on') =>
  startListening(['bench-server.ts', kind, String(workMs), shedding]);

const scenarios = [
  { name: 'raw grpc-js', server: 'raw', client: rawClient },
  { name: '@rebound/rpc', server: 'rpc', client: reboundClient },
  { name: 'NestJS gRPC microservice', server: 'nest-grpc', client: rawClient },
  { name: 'NestJS behind @rebound/rpc', server: 'nest-rpc', client: reboundClient },
] as const;

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const results: Record<string, Record<string, RunResult>> = {};
const fixed: Record<string, RunResult> = {};
const began = performance.now();
const loadBefore = loadavg()[0]!;

/** The run whose throughput is the median of `runs` (the box is shared: rounds interleave the scenarios). */
function median(runs: RunResult[]): RunResult {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * A figure of NestJS behind @rebound/rpc over raw grpc-js, judged round by round: each round runs every scenario
 * back to back, so a ratio within a round compares them under the same load on the shared box, and the median of
 * those ratios is robust to a round the box disturbed (a ratio of medians mixes rounds and is not).
 */
function pairedRatio(rounds: RunResult[][], pick: (r: RunResult) => number): number {
  const raw = rounds[scenarios.findIndex((s) => s.name === 'raw grpc-js')]!;
  const ours = rounds[scenarios.findIndex((s) => s.name === 'NestJS behind @rebound/rpc')]!;
  return medianOf(ours.map((run, i) => pick(run) / pick(raw[i]!)));
}

const ratios = {
  throughputC64: Number.NaN,
  cpuC64: Number.NaN,
  p99Fixed: Number.NaN,
  p99FixedPooled: Number.NaN,
};

function percentiles(latencies: number[]): { p50Ms: number; p99Ms: number } {
  const samples = Float64Array.from(latencies);
  return { p50Ms: percentile(samples, samples.length, 50), p99Ms: percentile(samples, samples.length, 99) };
}

if (ONLY === undefined) {
  const started = await Promise.all(scenarios.map((s) => startServer(s.server)));
  const clients = scenarios.map((s, i) => s.client(started[i]!.address));
  for (const c of CONCURRENCY) {
    const rounds: RunResult[][] = scenarios.map(() => []);
    for (let round = 0; round < (c === 64 ? BAR_ROUNDS : ROUNDS); round++) {
      for (let i = 0; i < scenarios.length; i++) {
        rounds[i]!.push(await runClosed(clients[i]!.call, c, RUN_MS, 300));
      }
    }
    scenarios.forEach((s, i) => {
      results[s.name] ??= {};
      results[s.name]![`c${c}`] = median(rounds[i]!);
    });
    if (c === 64) {
      ratios.throughputC64 = pairedRatio(rounds, (r) => r.rps);
      ratios.cpuC64 = pairedRatio(rounds, (r) => r.cpuUsPerRequest);
    }
  }
  // p99 at a fixed rate, 12 short rounds interleaved. The bar is judged like the c=64 ones, round by round: the
  // box stalls for 15-40 ms every few seconds (other tenants), and a stall decides the p99 of whichever scenario
  // it falls on, so the median of the within-round ratios sees the code, and the pooled p99 (printed beside it)
  // sees the box as well.
  const pooled: number[][] = scenarios.map(() => []);
  const fixedRounds: RunResult[][] = scenarios.map(() => []);
  for (let round = 0; round < FIXED_ROUNDS; round++) {
    for (let i = 0; i < scenarios.length; i++) {
      fixedRounds[i]!.push(await runOpen(clients[i]!.call, FIXED_RATE, FIXED_MS, 5_000, pooled[i]));
    }
  }
  scenarios.forEach((s, i) => {
    fixed[s.name] = { ...fixedRounds[i]!.at(-1)!, ...percentiles(pooled[i]!) };
  });
  ratios.p99Fixed = pairedRatio(fixedRounds, (r) => r.p99Ms);
  ratios.p99FixedPooled = fixed['NestJS behind @rebound/rpc']!.p99Ms / fixed['raw grpc-js']!.p99Ms;
  for (const client of clients) client.close();
  await Promise.all(started.map(stop));
}

if (ONLY === undefined) printThroughput();

const cpu = ONLY === undefined ? await inProcessCpu() : undefined;
if (cpu !== undefined) {
  console.log(
    `\nCPU per request, client and server in one process (c=${cpu.concurrency}, median of 5 interleaved rounds): raw grpc-js ${fmt(cpu.rawCpuUsPerRequest, 1)} µs, @rebound/rpc both sides ${fmt(cpu.reboundCpuUsPerRequest, 1)} µs (${fmt((cpu.cpuRatio - 1) * 100, 1)}%); throughput ${fmt(cpu.rawRps)} vs ${fmt(cpu.reboundRps)} req/s (${fmt(cpu.reboundRps / cpu.rawRps, 2)}×), ${cpu.sheds} calls shed`,
  );
}

// Tracing: the NestJS service behind @rebound/rpc with tracing off and on, client and server each in a child.
const tracing =
  ONLY === undefined || ONLY === 'tracing'
    ? await measureTracingCost(BAR_ROUNDS, RUN_MS, FIXED_RATE)
    : undefined;
if (tracing !== undefined) {
  const [off] = tracing.variants;
  const steps = tracing.unsampledSteps;
  console.log(
    `\nTracing, NestJS behind @rebound/rpc (client and server each in a warm child; spans over OTLP/HTTP protobuf to a sink process, ${tracing.exported.requests} exports, ${fmt(tracing.exported.bytes / 1e6, 1)} MB)`,
  );
  console.log(
    'variant                            c=64 rps  ×off  ×off by round  cpu µs/req  ×off  p50 ms @fixed  p99 ms @fixed  ×off p99',
  );
  for (const v of tracing.variants) {
    console.log(
      `${v.name.padEnd(32)} ${fmt(v.c64.rps).padStart(10)} ${fmt(v.c64.rps / off!.c64.rps, 2).padStart(5)} ${fmt(v.c64VsOff, 2).padStart(14)} ${fmt(v.c64.cpuUsPerRequest, 1).padStart(11)} ${fmt(v.c64.cpuUsPerRequest / off!.c64.cpuUsPerRequest, 2).padStart(5)} ${fmt(v.fixed.p50Ms, 2).padStart(14)} ${fmt(v.fixed.p99Ms, 2).padStart(14)} ${fmt(v.fixed.p99Ms / off!.fixed.p99Ms, 2).padStart(9)}`,
    );
  }
  console.log(
    `unsampled call, both sides (SDK on, nothing sampled; what @rebound/rpc adds per call, median of 7 paired rounds of 200,000): +${fmt(steps.addedCpuUs, 2)} µs of CPU`,
  );
  console.log(
    `sampled call, both sides (client and server span made, batched and exported over OTLP/HTTP protobuf; median of 7 paired rounds of 20,000): +${fmt(tracing.sampledSteps.addedCpuUs, 2)} µs of CPU`,
  );
}

// Overload: capacity of a service doing BENCH_WORK_MS (5) of CPU per call, then 3× that offered, shedding on and off.
// The load generator runs in a fresh process (this script with BENCH_ONLY=overload), as each server does: measured,
// running it here after the other parts made its successes late (collections of the heap they left paused it:
// 46–66 % goodput vs 93–98 % from a fresh process, same server).
interface OverloadRun {
  readonly offered: number;
  readonly goodput: number;
  readonly goodputOfCapacity: number;
  readonly admittedP99Ms: number;
  readonly failed: number;
}

async function overloadHere(): Promise<{ capacity: number; runs: Record<string, OverloadRun> }> {
  const capacityServer = await startServer('rpc', OVERLOAD_WORK_MS, 'off');
  const capClient = rawClient(capacityServer.address, 5_000);
  const capacity = (await runClosed(capClient.call, 16, 2_500)).rps;
  capClient.close();
  await stop(capacityServer);
  const runs: Record<string, OverloadRun> = {};
  for (const shedding of ['on', 'off']) {
    const server = await startServer('rpc', OVERLOAD_WORK_MS, shedding);
    const client = rawClient(server.address, OVERLOAD_DEADLINE_MS);
    const r = await runOpen(client.call, capacity * 3, 4_000, OVERLOAD_DEADLINE_MS);
    runs[shedding] = {
      offered: Math.round(r.offered),
      goodput: Math.round(r.goodput),
      goodputOfCapacity: r.goodput / capacity,
      admittedP99Ms: r.p99Ms,
      failed: r.failed,
    };
    client.close();
    await stop(server);
  }
  return { capacity, runs };
}

async function overloadInFreshProcess(): Promise<{ capacity: number; runs: Record<string, OverloadRun> }> {
  const { overload: o } = await runForJson<{
    overload: { capacity: number; on: OverloadRun; off: OverloadRun };
  }>(['rpc.bench.ts'], { BENCH_ONLY: 'overload' });
  return { capacity: o.capacity, runs: { on: o.on, off: o.off } };
}

const { capacity, runs: overload } =
  ONLY === 'overload'
    ? await overloadHere()
    : ONLY === 'tracing'
      ? { capacity: Number.NaN, runs: {} as Record<string, OverloadRun> }
      : await overloadInFreshProcess();
console.log(
  `\nOverload: capacity ${fmt(capacity)} req/s (${OVERLOAD_WORK_MS} ms CPU per call), offered 3×, deadline ${OVERLOAD_DEADLINE_MS} ms`,
);
for (const [shedding, o] of Object.entries(overload)) {
  console.log(
    `shedding ${shedding.padEnd(3)}  offered ${o.offered}/s  goodput ${o.goodput}/s = ${fmt(o.goodputOfCapacity * 100, 1)}% of capacity  p99 of successes ${fmt(o.admittedP99Ms, 1)} ms  failed ${o.failed}`,
  );
}

function printThroughput(): void {
  console.log(
    `\ngRPC unary, GetProduct, median of ${ROUNDS} interleaved ${RUN_MS} ms runs (${BAR_ROUNDS} at c=64; client in this process, server in a child; 2 shared cores)`,
  );
  console.log(
    'scenario                       conc      rps   p50 ms   p99 ms  cpu µs/req  ×raw rps  ×raw cpu',
  );
  const raw = results['raw grpc-js']!;
  for (const scenario of scenarios) {
    for (const c of CONCURRENCY) {
      const r = results[scenario.name]![`c${c}`]!;
      const base = raw[`c${c}`]!;
      console.log(
        `${scenario.name.padEnd(30)} ${String(c).padStart(4)} ${fmt(r.rps).padStart(8)} ${fmt(r.p50Ms, 2).padStart(8)} ${fmt(r.p99Ms, 2).padStart(8)} ${fmt(r.cpuUsPerRequest, 1).padStart(11)} ${fmt(r.rps / base.rps, 2).padStart(9)} ${fmt(r.cpuUsPerRequest / base.cpuUsPerRequest, 2).padStart(9)}`,
      );
    }
  }
  console.log(
    `\np99 at a fixed ${FIXED_RATE} req/s (${FIXED_ROUNDS} interleaved ${FIXED_MS} ms runs per scenario, latencies pooled)`,
  );
  for (const scenario of scenarios) {
    const r = fixed[scenario.name]!;
    console.log(
      `${scenario.name.padEnd(30)} p50 ${fmt(r.p50Ms, 2).padStart(6)} ms  p99 ${fmt(r.p99Ms, 2).padStart(6)} ms  ×raw p99 ${fmt(r.p99Ms / fixed['raw grpc-js']!.p99Ms, 2)}`,
    );
  }
}

const throughputC64 = ratios.throughputC64;
const cpuC64 = ratios.cpuC64;
const p99Fixed = ratios.p99Fixed;
const bars = {
  throughputC64,
  throughputC64Met: throughputC64 >= 0.9,
  clientCpuC64: cpuC64 - 1,
  clientCpuC64Met: cpuC64 <= 1.15,
  p99FixedRate: p99Fixed,
  p99FixedRateMet: p99Fixed <= 1.2,
  p99FixedRatePooled: ratios.p99FixedPooled,
  overloadGoodputShedOn: overload.on?.goodputOfCapacity ?? Number.NaN,
  overloadGoodputMet: (overload.on?.goodputOfCapacity ?? 0) >= 0.9,
  tracedThroughputC64: tracing?.variants[1]?.c64VsOff ?? Number.NaN,
  tracedClientCpuC64: ratio(tracing, 1, (r) => r.c64.cpuUsPerRequest),
  tracedP99FixedRate: ratio(tracing, 1, (r) => r.fixed.p99Ms),
  sampledThroughputC64: tracing?.variants[2]?.c64VsOff ?? Number.NaN,
  unsampledAddedCpuUs: tracing?.unsampledSteps.addedCpuUs ?? Number.NaN,
  sampledAddedCpuUs: tracing?.sampledSteps.addedCpuUs ?? Number.NaN,
  tracedThroughputC64Met: (tracing?.variants[1]?.c64VsOff ?? 0) >= 0.8,
  sampledThroughputC64Met: (tracing?.variants[2]?.c64VsOff ?? 0) >= 0.9,
  unsampledAddedCpuUsMet: (tracing?.unsampledSteps.addedCpuUs ?? Number.POSITIVE_INFINITY) <= 5,
};

/** A tracing variant's figure over the tracing-off one. */
function ratio(
  cost: typeof tracing,
  variant: number,
  pick: (r: { c64: RunResult; fixed: RunResult }) => number,
) {
  const [off, on] = [cost?.variants[0], cost?.variants[variant]];
  return off && on ? pick(on) / pick(off) : Number.NaN;
}
console.log(
  `\nBars (NestJS behind @rebound/rpc over raw grpc-js, median of the ratios within each round): at c=64 ${fmt(bars.throughputC64 * 100, 1)}% of raw (≥ 90%: ${bars.throughputC64Met ? 'met' : 'NOT met'}); client CPU ${bars.clientCpuC64 >= 0 ? '+' : ''}${fmt(bars.clientCpuC64 * 100, 1)}% (≤ +15%: ${bars.clientCpuC64Met ? 'met' : 'NOT met'}); p99 at ${FIXED_RATE}/s ${fmt(bars.p99FixedRate, 2)}× raw (≤ 1.2×: ${bars.p99FixedRateMet ? 'met' : 'NOT met'}; pooled over the rounds ${fmt(bars.p99FixedRatePooled, 2)}×); overload goodput ${fmt(bars.overloadGoodputShedOn * 100, 1)}% with shedding (≥ 90%: ${bars.overloadGoodputMet ? 'met' : 'NOT met'}). Tracing on, every call sampled: ${fmt(bars.tracedThroughputC64 * 100, 1)}% of tracing-off throughput at c=64, median of the ratios within each round (≥ 80%: ${bars.tracedThroughputC64Met ? 'met' : 'NOT met'}), client CPU ×${fmt(bars.tracedClientCpuC64, 2)}; 10% sampled: ${fmt(bars.sampledThroughputC64 * 100, 1)}% (≥ 90%: ${bars.sampledThroughputC64Met ? 'met' : 'NOT met'}); an unsampled call adds ${fmt(bars.unsampledAddedCpuUs, 2)} µs of CPU (≤ 5 µs: ${bars.unsampledAddedCpuUsMet ? 'met' : 'NOT met'}). Load average (1 min) before/after: ${fmt(loadBefore, 1)}/${fmt(loadavg()[0]!, 1)} on ${availableParallelism()} cores.`,
);
console.log(
  JSON.stringify({
    bench: 'rpc',
    loadAverage1m: { before: loadBefore, after: loadavg()[0] },
    runMs: RUN_MS,
    seconds: (performance.now() - began) / 1000,
    throughput: results,
    fixedRate: { rate: FIXED_RATE, ...fixed },
    overload: { capacity, workMs: OVERLOAD_WORK_MS, deadlineMs: OVERLOAD_DEADLINE_MS, ...overload },
    inProcessCpu: cpu,
    tracing,
    bars,
  }),
);
