/**
 * The rollout's analysis: what a replica's own `/metrics` says about the calls it served, and the verdict of
 * comparing the new version's replica with the old ones over the same window. Pure functions of scraped text,
 * so the thresholds are tested without processes.
 */

/** gRPC outcomes that are the server's failure (a caller's bad request is not the version's fault). */
const SERVER_FAILURES = new Set([
  'UNAVAILABLE',
  'INTERNAL',
  'UNKNOWN',
  'DEADLINE_EXCEEDED',
  'RESOURCE_EXHAUSTED',
  'DATA_LOSS',
  'UNIMPLEMENTED',
  'ABORTED',
]);

/** HTTP statuses that are the server's failure (5xx; a 4xx is the caller's mistake). */
const HTTP_SERVER_FAILURE = /^5\d\d$/;
/** HTTP statuses whose latency counts as a successful call's. */
const HTTP_SUCCESS = /^[23]\d\d$/;

/** Health checks are the supervisor's and the clients' probes, not the version's work. */
const IGNORED_OPERATION = /^grpc\.health\./;

/** Cumulative counters of one replica at one scrape. */
export interface MetricsSnapshot {
  readonly requests: number;
  readonly errors: number;
  /** Cumulative latency histogram of successful calls: upper bound (s) → count. */
  readonly buckets: ReadonlyMap<number, number>;
  readonly rssBytes: number | undefined;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function labelsOf(text: string | undefined): Map<string, string> {
  const labels = new Map<string, string>();
  if (!text) return labels;
  for (const match of text.matchAll(LABEL)) labels.set(match[1]!, match[2]!);
  return labels;
}

/**
 * Reads the RED series of a gRPC server (`rebound_rpc_server_*`) or an HTTP server (`rebound_http_server_*`, the
 * gateway: 5xx are failures, the latency of 2xx/3xx answers) and the resident memory from `/metrics` text.
 */
export function parseSnapshot(text: string): MetricsSnapshot {
  let requests = 0;
  let errors = 0;
  let rssBytes: number | undefined;
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const [, name, rawLabels, rawValue] = match;
    const value = Number(rawValue);
    if (!Number.isFinite(value) && rawValue !== '+Inf') continue;
    if (name === 'process_resident_memory_bytes') {
      rssBytes = value;
      continue;
    }
    const http = name?.startsWith('rebound_http_server_') ?? false;
    const kind = name?.replace(/^rebound_(rpc|http)_server_/, '');
    if (
      !(http || name?.startsWith('rebound_rpc_server_')) ||
      (kind !== 'requests_total' && kind !== 'duration_seconds_bucket')
    ) {
      continue;
    }
    const labels = labelsOf(rawLabels);
    if (IGNORED_OPERATION.test(labels.get('operation') ?? '')) continue;
    const outcome = labels.get('outcome') ?? '';
    if (kind === 'requests_total') {
      requests += value;
      if (http ? HTTP_SERVER_FAILURE.test(outcome) : SERVER_FAILURES.has(outcome)) errors += value;
    } else if (http ? HTTP_SUCCESS.test(outcome) : outcome === 'OK') {
      const le = labels.get('le') === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.get('le'));
      buckets.set(le, (buckets.get(le) ?? 0) + value);
    }
  }
  return { requests, errors, buckets, rssBytes };
}

/** What one replica did between two scrapes. */
export interface WindowStats {
  readonly requests: number;
  readonly errors: number;
  readonly errorRatio: number;
  /** The upper bound of the bucket holding the 99th percentile of successful calls (s); undefined without calls. */
  readonly p99Seconds: number | undefined;
  readonly rssBytes: number | undefined;
}

export function windowOf(from: MetricsSnapshot, to: MetricsSnapshot): WindowStats {
  // A counter that went down means the process restarted: count from zero.
  const restarted = to.requests < from.requests;
  const base = restarted ? { requests: 0, errors: 0, buckets: new Map<number, number>() } : from;
  const requests = to.requests - base.requests;
  const errors = to.errors - base.errors;
  const deltas = [...to.buckets.entries()]
    .map(([le, count]) => [le, count - (base.buckets.get(le) ?? 0)] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = deltas.at(-1)?.[1] ?? 0;
  const p99 = total > 0 ? deltas.find(([, count]) => count >= 0.99 * total)?.[0] : undefined;
  return {
    requests,
    errors,
    errorRatio: requests > 0 ? errors / requests : 0,
    p99Seconds: p99,
    rssBytes: to.rssBytes,
  };
}

/** Adds the windows of the old replicas up into one baseline. */
export function combine(windows: readonly WindowStats[]): WindowStats {
  const requests = windows.reduce((sum, w) => sum + w.requests, 0);
  const errors = windows.reduce((sum, w) => sum + w.errors, 0);
  const p99s = windows.flatMap((w) => (w.p99Seconds === undefined ? [] : [w.p99Seconds]));
  const rss = windows.flatMap((w) => (w.rssBytes === undefined ? [] : [w.rssBytes]));
  return {
    requests,
    errors,
    errorRatio: requests > 0 ? errors / requests : 0,
    p99Seconds: p99s.length > 0 ? Math.max(...p99s) : undefined,
    rssBytes: rss.length > 0 ? Math.max(...rss) : undefined,
  };
}

export interface AnalysisThresholds {
  /** Calls the new replica must have served before its error ratio and p99 are judged. */
  readonly minRequests: number;
  /** Fail when the new error ratio exceeds the old one by more than this (0.02 = 2 points). */
  readonly maxErrorRatioIncrease: number;
  /**
   * Successful calls the new replica must have served before its p99 is judged: a replica just started answers its
   * first calls cold (connections, JIT), and a p99 over a few dozen calls is their maximum.
   */
  readonly minLatencyRequests: number;
  /** Fail when the new p99 exceeds the old p99 times this and by more than `p99SlackMs`. */
  readonly maxP99Ratio: number;
  readonly p99SlackMs: number;
  /** Fail when the new replica's resident memory exceeds the old ones' by more than this. */
  readonly maxRssIncreaseBytes: number;
}

export const DEFAULT_THRESHOLDS: AnalysisThresholds = {
  minRequests: 20,
  minLatencyRequests: 100,
  maxErrorRatioIncrease: 0.02,
  maxP99Ratio: 2,
  p99SlackMs: 50,
  maxRssIncreaseBytes: 128 * 1024 * 1024,
};

export type Verdict =
  | { readonly outcome: 'pass'; readonly detail: string }
  | { readonly outcome: 'fail'; readonly reason: string }
  | { readonly outcome: 'wait'; readonly detail: string };

const pct = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;
const ms = (seconds: number | undefined) =>
  seconds === undefined
    ? 'n/a'
    : Number.isFinite(seconds)
      ? `${Math.round(seconds * 1000)} ms`
      : '> max bucket';

/**
 * New replica vs old replicas over the same window. Fails as soon as a bar is broken with enough calls to tell
 * (the first bad signal ends the rollout, not the end of the window); memory is judged whatever the traffic.
 */
export function judge(candidate: WindowStats, baseline: WindowStats, t: AnalysisThresholds): Verdict {
  if (
    candidate.rssBytes !== undefined &&
    baseline.rssBytes !== undefined &&
    candidate.rssBytes - baseline.rssBytes > t.maxRssIncreaseBytes
  ) {
    const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
    return {
      outcome: 'fail',
      reason: `memory: new replica resident ${mib(candidate.rssBytes)} vs old ${mib(baseline.rssBytes)} (bar +${mib(t.maxRssIncreaseBytes)})`,
    };
  }
  if (candidate.requests < t.minRequests) {
    return { outcome: 'wait', detail: `${candidate.requests}/${t.minRequests} calls on the new replica` };
  }
  if (candidate.errorRatio - baseline.errorRatio > t.maxErrorRatioIncrease) {
    return {
      outcome: 'fail',
      reason: `error ratio: new ${pct(candidate.errorRatio)} (${candidate.errors}/${candidate.requests}) vs old ${pct(baseline.errorRatio)} (${baseline.errors}/${baseline.requests}), bar +${pct(t.maxErrorRatioIncrease)}`,
    };
  }
  const newP99 = candidate.p99Seconds;
  const oldP99 = baseline.p99Seconds;
  if (
    newP99 !== undefined &&
    oldP99 !== undefined &&
    candidate.requests - candidate.errors >= t.minLatencyRequests &&
    newP99 > oldP99 * t.maxP99Ratio &&
    (newP99 - oldP99) * 1000 > t.p99SlackMs
  ) {
    return {
      outcome: 'fail',
      reason: `p99 latency: new ${ms(newP99)} vs old ${ms(oldP99)} (bar ×${t.maxP99Ratio} and +${t.p99SlackMs} ms)`,
    };
  }
  return {
    outcome: 'pass',
    detail: `new ${pct(candidate.errorRatio)} errors, p99 ${ms(newP99)} over ${candidate.requests} calls; old ${pct(baseline.errorRatio)}, p99 ${ms(oldP99)} over ${baseline.requests}`,
  };
}

/** How much longer than its window an analysis may run while the callers keep their traffic off the candidate. */
export const STARVED_WINDOW_FACTOR = 3;

/**
 * True when the old replicas each served at least the calls the candidate needs while the candidate did not:
 * the traffic is there but avoids it, likely because the callers set it aside (outlier ejection of a replica
 * that fails). A reason to look longer, not to pass it as "no traffic".
 */
export function starved(
  candidate: WindowStats,
  baseline: WindowStats,
  oldReplicas: number,
  t: AnalysisThresholds,
): boolean {
  return (
    candidate.requests < t.minRequests && oldReplicas > 0 && baseline.requests >= t.minRequests * oldReplicas
  );
}
