/**
 * The canary strategy of every service's Rollout and the AnalysisTemplates it runs on Prometheus: the canary's
 * success ratio against the stable pods', and its p99 against theirs, the bars of the local rollout
 * (`infra/local/src/rollout.analysis.ts`). Each kind of traffic has its template: gRPC servers, the HTTP edge, the
 * Kafka consumer. Generated into `k8s/base` by `generate-base.cli.ts`.
 */
import type { ServiceSpec } from './services.config.ts';

/** gRPC outcomes that are the server's failure; the same set as the local rollout's analysis. */
export const GRPC_SERVER_FAILURES = [
  'UNAVAILABLE',
  'INTERNAL',
  'UNKNOWN',
  'DEADLINE_EXCEEDED',
  'RESOURCE_EXHAUSTED',
  'DATA_LOSS',
  'UNIMPLEMENTED',
  'ABORTED',
] as const;

/** The canary fails when its success ratio is more than this below the stable pods'. */
export const MAX_SUCCESS_RATIO_DROP = 0.02;
/** The canary fails when its p99 is above twice the stable p99 and more than this above it (seconds). */
export const P99_SLACK_SECONDS = 0.05;
/** With no stable p99 to compare with (no stable traffic), the canary's p99 bar (seconds). */
export const P99_ALONE_SECONDS = 0.5;
/** Calls the canary must have served in the window before its success ratio / its p99 is judged. */
export const MIN_CALLS = 20;
export const MIN_LATENCY_CALLS = 100;
export const RATE_WINDOW = '1m';
/** How often the background analysis measures, and how many failed measurements abort the rollout. */
export const MEASUREMENT_INTERVAL = '20s';
export const FAILURE_LIMIT = 1;

/** The labels the scrape job adds: the app (`service`) and the Rollout's ReplicaSet hash of the pod. */
export const HASH_LABEL = 'rollouts_pod_template_hash';

interface Traffic {
  readonly template: string;
  /** Requests counter and duration histogram (without `_bucket`). */
  readonly counter: string;
  readonly histogram: string;
  /** Matchers of the calls that count (health checks out), if any are needed. */
  readonly real?: string;
  /** Matchers of the calls that failed through the server's fault. */
  readonly failed: string;
  /** Matchers of the calls whose latency is judged (the successful ones). */
  readonly good: string;
}

export const TRAFFIC: Readonly<Record<'grpc' | 'http' | 'kafka', Traffic>> = {
  grpc: {
    template: 'rebound-canary-grpc',
    counter: 'rebound_rpc_server_requests_total',
    histogram: 'rebound_rpc_server_duration_seconds',
    real: 'operation!~"/?grpc\\\\.health\\\\..*"',
    failed: `outcome=~"${GRPC_SERVER_FAILURES.join('|')}"`,
    good: 'outcome="OK"',
  },
  http: {
    template: 'rebound-canary-http',
    counter: 'rebound_http_server_requests_total',
    histogram: 'rebound_http_server_duration_seconds',
    failed: 'outcome=~"5.."',
    good: 'outcome!~"5.."',
  },
  kafka: {
    template: 'rebound-canary-kafka',
    counter: 'rebound_kafka_handler_requests_total',
    histogram: 'rebound_kafka_handler_duration_seconds',
    failed: 'outcome=~"retry|dead_letter"',
    good: 'outcome=~"processed|duplicate"',
  },
};

/** Which template judges a service's canary. */
export function trafficOf(spec: ServiceSpec): Traffic {
  if (spec.transport === 'grpc') return TRAFFIC.grpc;
  if (spec.transport === 'http') return TRAFFIC.http;
  if (spec.kafka) return TRAFFIC.kafka;
  throw new Error(`${spec.name}: no traffic to judge a canary on`);
}

const selector = (hash: string, ...more: (string | undefined)[]) =>
  `{${[`service="{{args.service}}"`, `${HASH_LABEL}="{{args.${hash}}}"`, ...more].filter(Boolean).join(', ')}}`;

function successRatio(t: Traffic, hash: string): string {
  const all = `sum(rate(${t.counter}${selector(hash, t.real)}[${RATE_WINDOW}]))`;
  const failed = `sum(rate(${t.counter}${selector(hash, t.real, t.failed)}[${RATE_WINDOW}]))`;
  // No failed series at all is a ratio of 1, not an empty result.
  return `(1 - ((${failed} or on() vector(0)) / ${all}))`;
}

function p99(t: Traffic, hash: string): string {
  return `histogram_quantile(0.99, sum by (le) (rate(${t.histogram}_bucket${selector(hash, t.real, t.good)}[${RATE_WINDOW}])))`;
}

function calls(t: Traffic, hash: string, min: number): string {
  return `(sum(increase(${t.counter}${selector(hash, t.real)}[${RATE_WINDOW}])) >= ${min})`;
}

/**
 * The canary's success ratio minus the stable pods' (1 when they served nothing), once the canary served
 * `MIN_CALLS`; empty before that (nothing to judge yet).
 */
export function successRatioQuery(t: Traffic): string {
  return [
    `(${successRatio(t, 'canary-hash')}`,
    `  - (${successRatio(t, 'stable-hash')} or on() vector(1)))`,
    `and on() ${calls(t, 'canary-hash', MIN_CALLS)}`,
  ].join('\n');
}

/**
 * The canary's p99 minus its bar: twice the stable p99 or the stable p99 + slack, whichever is higher
 * (`P99_ALONE_SECONDS` without a stable p99), once the canary answered `MIN_LATENCY_CALLS`.
 */
export function p99Query(t: Traffic): string {
  // max(2 * S, S + slack) = S + clamp_min(S, slack); `S >= 0` drops a NaN stable p99 (no successful stable call
  // in the window), so the fallback bar applies.
  const stable = p99(t, 'stable-hash');
  return [
    `(${p99(t, 'canary-hash')}`,
    `  - (((${stable} >= 0) + clamp_min(${stable}, ${P99_SLACK_SECONDS})) or on() vector(${P99_ALONE_SECONDS})))`,
    `and on() ${calls(t, 'canary-hash', MIN_LATENCY_CALLS)}`,
  ].join('\n');
}

/** The AnalysisTemplate of one kind of traffic. */
export function analysisTemplate(t: Traffic, prometheusAddress: string): Record<string, unknown> {
  const measure = (name: string, query: string, successCondition: string) => ({
    name,
    interval: MEASUREMENT_INTERVAL,
    failureLimit: FAILURE_LIMIT,
    // A Prometheus that does not answer is an error, not a verdict: 4 in a row end the analysis as Error.
    consecutiveErrorLimit: 4,
    successCondition,
    provider: { prometheus: { address: prometheusAddress, timeout: 10, query } },
  });
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: {
      name: t.template,
      labels: { 'app.kubernetes.io/part-of': 'rebound', 'app.kubernetes.io/component': 'rollouts' },
    },
    spec: {
      args: [{ name: 'service' }, { name: 'canary-hash' }, { name: 'stable-hash' }],
      metrics: [
        measure(
          'success-ratio',
          successRatioQuery(t),
          `len(result) == 0 || isNaN(result[0]) || result[0] >= -${MAX_SUCCESS_RATIO_DROP}`,
        ),
        measure('p99', p99Query(t), 'len(result) == 0 || isNaN(result[0]) || result[0] <= 0'),
      ],
    },
  };
}

/**
 * The canary strategy: one pod more at a time and none less (surge 1, unavailable 0, like the local rollout),
 * 25 % then 50 % of the pods on the new version for a minute each while the background analysis measures; any
 * failed analysis aborts the rollout (the stable ReplicaSet takes every pod back). Without a traffic router the
 * weight is the share of pods, which the Service balances across.
 */
export function canaryStrategy(spec: ServiceSpec): Record<string, unknown> {
  return {
    canary: {
      maxSurge: 1,
      maxUnavailable: 0,
      analysis: {
        templates: [{ templateName: trafficOf(spec).template }],
        startingStep: 1,
        args: [
          { name: 'service', value: spec.name },
          { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
          { name: 'stable-hash', valueFrom: { podTemplateHashValue: 'Stable' } },
        ],
      },
      steps: [
        { setWeight: 25 },
        { pause: { duration: '1m' } },
        { setWeight: 50 },
        { pause: { duration: '1m' } },
      ],
    },
  };
}
