/**
 * Per-call cost of the adaptive policies (rate limit, load shedding, throttling, hedging, fault injection):
 * `node --conditions=development --expose-gc bench/adaptive.bench.ts`. Informational (no bars): each row is
 * a sequential `await` of the same async no-op through one policy, the median of ROUNDS interleaved rounds,
 * next to the bare awaited call; rejection rows catch a fast-fail error per call.
 */
import {
  adaptiveThrottle,
  faultInjection,
  hedging,
  keyedRateLimit,
  loadShedding,
  type Policy,
  pipeline,
  rateLimit,
  retry,
  timeout,
} from '../src/index.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TARGET_MS = Number(process.env.BENCH_ROUND_MS ?? 100);
const gc = (globalThis as { gc?: () => void }).gc;
const noop = async (): Promise<void> => {};

type Case = { name: string; run: () => Promise<unknown> };

const keys = Array.from({ length: 1024 }, (_, i) => ({ key: `client-${i}` }));
let k = 0;
const never = rateLimit({ rate: 1, burst: 1 });
never.tryAcquire();
const shedAll = loadShedding();
const held = Array.from({ length: 200 }, () =>
  shedAll.execute(() => new Promise(() => {}), { priority: 'critical-plus' }),
);
for (const p of held) p.catch(() => {});

const cases: Case[] = [
  { name: 'bare await noop()', run: () => noop() },
  {
    name: 'rateLimit',
    run: (
      (p) => () =>
        p.execute(noop)
    )(rateLimit({ rate: 1e12 })),
  },
  {
    name: 'keyedRateLimit (1024 keys)',
    run: (
      (p) => () =>
        p.execute(noop, keys[k++ & 1023])
    )(keyedRateLimit({ rate: 1e12 })),
  },
  {
    name: 'loadShedding (Gradient2)',
    run: (
      (p) => () =>
        p.execute(noop)
    )(loadShedding()),
  },
  {
    name: 'adaptiveThrottle',
    run: (
      (p) => () =>
        p.execute(noop)
    )(adaptiveThrottle()),
  },
  {
    name: 'hedging (answer before delay)',
    run: (
      (p) => () =>
        p.execute(noop)
    )(hedging({ delay: 1000 })),
  },
  {
    name: 'faultInjection (off)',
    run: (
      (p) => () =>
        p.execute(noop)
    )(faultInjection()),
  },
  {
    name: 'pipeline(keyedRateLimit, loadShedding, timeout, retry)',
    run: (
      (p: Policy) => () =>
        p.execute(noop, keys[k++ & 1023])
    )(pipeline(keyedRateLimit({ rate: 1e12 }), loadShedding(), timeout(1000), retry())),
  },
  { name: 'rateLimit rejection (caught)', run: () => never.execute(noop).catch(() => {}) },
  { name: 'loadShedding rejection (caught)', run: () => shedAll.execute(noop).catch(() => {}) },
];

async function measure(c: Case, ms: number): Promise<number> {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 1000; i++) await c.run();
    n += 1000;
    now = performance.now();
  }
  return ((now - start) * 1e6) / n;
}

for (const c of cases) await measure(c, 50);
const results = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const c of cases) {
    gc?.();
    results.get(c.name)!.push(await measure(c, TARGET_MS));
  }
}
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;
const bare = median(results.get('bare await noop()')!);
const rows = cases.map((c) => {
  const ns = median(results.get(c.name)!);
  return {
    name: c.name,
    nsPerOp: Math.round(ns),
    opsPerSec: Math.round(1e9 / ns),
    xBare: +(ns / bare).toFixed(2),
  };
});
console.log(`${'case'.padEnd(58)}${'ns/op'.padStart(8)}${'ops/s'.padStart(12)}${'× bare'.padStart(8)}`);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(58)}${String(r.nsPerOp).padStart(8)}${String(r.opsPerSec).padStart(12)}${String(r.xBare).padStart(8)}`,
  );
}
console.log(`BENCH_JSON ${JSON.stringify({ node: process.version, rows })}`);
process.exit(0);
