import type { LatencySummary } from './latency.histogram.ts';
import type { LoadSummary, SecondStats } from './load.stats.ts';
import { OUTCOMES, type OutcomeCounts } from './operation.outcome.ts';

const ms = (value: number) =>
  `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : Math.round(value)}ms`;
const pad = (value: number | string, width: number) => String(value).padStart(width);

/** Outcomes beyond the five of every line, printed only when they happened. */
const EXTRA = ['blocked', 'rejected', 'dropped'] as const;

/**
 * The live line, one per second:
 * `   12s  rate 50/s  offered   50  ok   47  shed    1  throttled    2  failed    0  p50 12.1ms  p99 84.0ms  inflight 3`
 * then `blocked`, `rejected` and `dropped` when not zero. Counts are of operations ended in that second
 * (offered: arrivals due in it); p50/p99 are the shoppers' latencies from their intended start.
 */
export function formatSecond(stats: SecondStats): string {
  const o = stats.outcomes;
  const extras = EXTRA.filter((name) => o[name] > 0).map((name) => `  ${name} ${o[name]}`);
  return (
    `${pad(stats.second, 5)}s  rate ${stats.rate}/s  offered ${pad(stats.offered, 4)}  ok ${pad(o.ok, 4)}` +
    `  shed ${pad(o.shed, 4)}  throttled ${pad(o.throttled, 4)}  failed ${pad(o.failed, 4)}` +
    `  p50 ${ms(stats.p50)}  p99 ${ms(stats.p99)}  inflight ${stats.inFlight}${extras.join('')}`
  );
}

const counts = (o: OutcomeCounts) =>
  OUTCOMES.filter((name) => name === 'ok' || o[name] > 0)
    .map((name) => `${name} ${o[name]}`)
    .join('  ');

const latency = (l: LatencySummary) =>
  l.count === 0
    ? 'no samples'
    : `p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p99 ${ms(l.p99)}  p99.9 ${ms(l.p999)}  max ${ms(l.max)}`;

/** The closing summary as text, one topic per line. */
export function formatSummary(summary: LoadSummary): string {
  const lines = [
    `summary: ${summary.durationS}s, ${summary.offered} offered, ${summary.requests} requests sent` +
      (summary.unfinished > 0 ? `, ${summary.unfinished} unfinished` : ''),
    `  outcomes    ${counts(summary.outcomes)}`,
    `  latency     ${latency(summary.latencyMs)} (shoppers, from the intended start)`,
  ];
  for (const [operation, entry] of Object.entries(summary.byOperation)) {
    if (entry === undefined) continue;
    lines.push(`  ${operation.padEnd(10)}  ${counts(entry.outcomes)}  |  ${latency(entry.latencyMs)}`);
  }
  const c = summary.checkout;
  lines.push(
    `  orders      confirmed ${c.confirmed}  cancelled ${c.cancelled}  202s followed ${c.accepted}` +
      `  polls ${c.polls}  re-sends ${c.resends}  gave up: pending ${c.gaveUpPending}, unknown ${c.gaveUpUnknown}`,
  );
  for (const [stream, outcomes] of Object.entries(summary.byStream)) {
    if (Object.values(outcomes).some((n) => n > 0)) lines.push(`  ${stream.padEnd(10)}  ${counts(outcomes)}`);
  }
  if (summary.fallbacks > 0)
    lines.push(`  fallbacks   ${summary.fallbacks} catalog answers from the gateway's cache`);
  if (summary.failures.length > 0) {
    lines.push(`  reasons     ${summary.failures.map((f) => `${f.reason} (${f.count})`).join('; ')}`);
  }
  const own =
    summary.peakAnonymousMb === undefined
      ? ''
      : ` (anonymous ${summary.peakAnonymousMb} MB; the rest is mostly the node binary's pages)`;
  lines.push(`  memory      peak RSS ${summary.peakRssMb} MB${own}`);
  return lines.join('\n');
}
