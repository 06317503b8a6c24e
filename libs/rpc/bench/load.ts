/** Closed- and open-loop load generators with latency recording, bounded in time and count. */

export interface RunResult {
  readonly ok: number;
  readonly failed: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Client process CPU (user + system) per successful request, in microseconds. */
  readonly cpuUsPerRequest: number;
}

export type Call = (id: string) => Promise<unknown>;

const MAX_SAMPLES = 2_000_000;
/**
 * One latency buffer for every closed-loop run (they never overlap): 16 MB allocated afresh per run is external
 * memory V8 may answer with a full collection, inside whichever measured run comes next.
 */
let closedSamples: Float64Array | undefined;

export function percentile(samples: Float64Array, count: number, p: number): number {
  if (count === 0) return Number.NaN;
  const sorted = samples.slice(0, count).sort();
  return sorted[Math.min(count - 1, Math.floor((p / 100) * count))]!;
}

/** `concurrency` workers call back to back for `durationMs` (after `warmupMs` not recorded). */
export async function runClosed(
  call: Call,
  concurrency: number,
  durationMs: number,
  warmupMs = 500,
): Promise<RunResult> {
  const warmEnd = performance.now() + warmupMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < warmEnd) await call('w').catch(() => undefined);
    }),
  );
  closedSamples ??= new Float64Array(MAX_SAMPLES);
  const samples = closedSamples;
  let count = 0;
  let failed = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      let i = 0;
      while (performance.now() < end && count < MAX_SAMPLES) {
        const t = performance.now();
        try {
          await call(`${w}-${i++}`);
          samples[count++] = performance.now() - t;
        } catch {
          failed++;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    ok: count,
    failed,
    seconds,
    rps: count / seconds,
    p50Ms: percentile(samples, count, 50),
    p99Ms: percentile(samples, count, 99),
    cpuUsPerRequest: (used.user + used.system) / Math.max(count, 1),
  };
}

export interface OpenResult extends RunResult {
  readonly offered: number;
  /** Successful responses that arrived within `deadlineMs`, per second. */
  readonly goodput: number;
}

/** Starts calls at a fixed `rate` per second for `durationMs`, whatever the responses do (an open loop). */
export async function runOpen(
  call: Call,
  rate: number,
  durationMs: number,
  deadlineMs: number,
  /** Every success's latency is also appended here (to pool rounds into one percentile). */
  latencySink?: number[],
): Promise<OpenResult> {
  const samples = new Float64Array(Math.min(MAX_SAMPLES, Math.ceil((rate * durationMs) / 1000) + 1));
  let count = 0;
  let failed = 0;
  let good = 0;
  let sent = 0;
  const pending = new Set<Promise<unknown>>();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const total = Math.floor((rate * durationMs) / 1000);
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      while (sent < due) {
        const t = performance.now();
        const p = call(`o-${sent++}`).then(
          () => {
            const latency = performance.now() - t;
            if (count < samples.length) samples[count++] = latency;
            latencySink?.push(latency);
            if (latency <= deadlineMs) good++;
          },
          () => {
            failed++;
          },
        );
        pending.add(p);
        p.finally(() => pending.delete(p));
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(pending);
  const seconds = durationMs / 1000;
  const used = process.cpuUsage(cpu);
  return {
    ok: count,
    failed,
    seconds,
    rps: count / seconds,
    offered: total / seconds,
    goodput: good / seconds,
    p50Ms: percentile(samples, count, 50),
    p99Ms: percentile(samples, count, 99),
    cpuUsPerRequest: (used.user + used.system) / Math.max(count, 1),
  };
}
