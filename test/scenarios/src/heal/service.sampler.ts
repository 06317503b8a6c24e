import { type Clock, systemClock } from '@rebound/load';
import { histogramQuantile, parseMetrics, type Sample } from './metrics.parse.ts';

/** The services whose admin ports serve RED and resilience metrics. */
export const SERVICES = ['gateway', 'catalog', 'inventory', 'payments', 'orders', 'notifications'] as const;

/** One point of a service's chart. */
export interface ServicePoint {
  /** Milliseconds since the sampler started. */
  readonly t: number;
  /** Requests per second served over the last interval (every replica). */
  readonly rate: number;
  /** Requests that were not errors (HTTP: not 5xx; gRPC: OK, as infra/prometheus's recording rules) over all; undefined with no request. */
  readonly successRatio: number | undefined;
  /** p99 of the server-side duration over the last interval (ms), from the histogram buckets. */
  readonly p99Ms: number | undefined;
}

/** A resilience decision counter or state for one caller → dependency pair. */
export interface DependencyRow {
  readonly service: string;
  readonly target: string;
  /** 0 closed, 1 open, 2 half-open (`rebound_resilience_breaker_state`, the worst replica). */
  readonly breaker: number | undefined;
  readonly retries: number;
  readonly budgetExhausted: number;
  readonly breakerRejections: number;
  readonly giveUps: number;
}

/** The gateway's edge decisions (totals since its start, summed over replicas). */
export interface EdgeCounters {
  readonly sheds: number;
  readonly throttled: number;
  readonly blocked: number;
  readonly fallbacks: number;
}

export interface ServiceView {
  readonly service: string;
  /** Degradation flags on at any replica (`rebound_degradation_flag` 1), e.g. `serve-cached-catalog`. */
  readonly flagsOn: readonly string[];
  readonly latest: ServicePoint | undefined;
  readonly history: readonly ServicePoint[];
}

interface Totals {
  readonly requests: number;
  readonly errors: number;
  readonly buckets: Map<number, number>;
}

const PREFIXES = [
  'rebound_http_server_',
  'rebound_rpc_server_',
  'rebound_resilience_',
  'rebound_gateway_',
  'rebound_degradation_flag',
];

/**
 * Polls every service replica's `/metrics` and turns counters into what the heal view charts: per service the
 * request rate, success ratio and p99 over each interval (kept for `historyPoints` intervals), the resilience
 * decisions per dependency and the gateway's edge counters. Numbers are the services' own, never made up.
 */
export class ServiceSampler {
  readonly #fetchPage: (service: string) => Promise<string[]>;
  readonly #clock: Clock;
  readonly #historyPoints: number;
  readonly #startedAt: number;
  readonly #previous = new Map<string, { totals: Totals; at: number }>();
  readonly #history = new Map<string, ServicePoint[]>();
  readonly #flags = new Map<string, string[]>();
  #dependencies: DependencyRow[] = [];
  #edge: EdgeCounters = { sheds: 0, throttled: 0, blocked: 0, fallbacks: 0 };

  constructor(options: {
    /** The `/metrics` pages of every reachable replica of `service`. */
    readonly fetchPages: (service: string) => Promise<string[]>;
    readonly clock?: Clock;
    readonly historyPoints?: number;
  }) {
    this.#fetchPage = options.fetchPages;
    this.#clock = options.clock ?? systemClock;
    this.#historyPoints = options.historyPoints ?? 150;
    this.#startedAt = this.#clock.now();
  }

  async sample(): Promise<void> {
    const dependencies: DependencyRow[] = [];
    for (const service of SERVICES) {
      const samples = (await this.#fetchPage(service)).flatMap((page) => parseMetrics(page, PREFIXES));
      this.#record(service, samples);
      const on = samples.filter((x) => x.name === 'rebound_degradation_flag' && x.value === 1);
      this.#flags.set(service, [...new Set(on.map((x) => x.labels.flag ?? '?'))].sort());
      dependencies.push(...dependencyRows(service, samples));
      if (service === 'gateway') this.#edge = edgeCounters(samples);
    }
    this.#dependencies = dependencies;
  }

  services(): ServiceView[] {
    return SERVICES.map((service) => {
      const history = this.#history.get(service) ?? [];
      return { service, flagsOn: this.#flags.get(service) ?? [], latest: history.at(-1), history };
    });
  }

  dependencies(): readonly DependencyRow[] {
    return this.#dependencies;
  }

  edge(): EdgeCounters {
    return this.#edge;
  }

  #record(service: string, samples: readonly Sample[]): void {
    const now = this.#clock.now();
    const totals = redTotals(service, samples);
    const previous = this.#previous.get(service);
    this.#previous.set(service, { totals, at: now });
    // A replica restarting resets its counters: a negative delta is a restart, not traffic.
    if (!previous || totals.requests < previous.totals.requests) return;
    const seconds = (now - previous.at) / 1000;
    const requests = totals.requests - previous.totals.requests;
    const errors = Math.max(0, totals.errors - previous.totals.errors);
    const buckets = new Map<number, number>();
    for (const [le, count] of totals.buckets)
      buckets.set(le, Math.max(0, count - (previous.totals.buckets.get(le) ?? 0)));
    const p99 = histogramQuantile(0.99, buckets);
    const point: ServicePoint = {
      t: Math.round(now - this.#startedAt),
      rate: seconds > 0 ? Math.round((requests / seconds) * 10) / 10 : 0,
      successRatio: requests > 0 ? (requests - errors) / requests : undefined,
      p99Ms: p99 === undefined ? undefined : Math.round(p99 * 1000),
    };
    const history = this.#history.get(service) ?? [];
    history.push(point);
    if (history.length > this.#historyPoints) history.shift();
    this.#history.set(service, history);
  }
}

function redTotals(service: string, samples: readonly Sample[]): Totals {
  const side = service === 'gateway' ? 'http' : 'rpc';
  const isError = (outcome: string) => (side === 'http' ? /^5\d\d$/.test(outcome) : outcome !== 'OK');
  let requests = 0;
  let errors = 0;
  const buckets = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name === `rebound_${side}_server_requests_total`) {
      requests += sample.value;
      if (isError(sample.labels.outcome ?? '')) errors += sample.value;
    } else if (sample.name === `rebound_${side}_server_duration_seconds_bucket`) {
      const le = sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
    }
  }
  return { requests, errors, buckets };
}

function dependencyRows(service: string, samples: readonly Sample[]): DependencyRow[] {
  const rows = new Map<
    string,
    {
      breaker: number | undefined;
      retries: number;
      budgetExhausted: number;
      breakerRejections: number;
      giveUps: number;
    }
  >();
  const row = (target: string) => {
    let entry = rows.get(target);
    if (!entry) {
      entry = { breaker: undefined, retries: 0, budgetExhausted: 0, breakerRejections: 0, giveUps: 0 };
      rows.set(target, entry);
    }
    return entry;
  };
  for (const sample of samples) {
    const target = sample.labels.target;
    if (target === undefined) continue;
    switch (sample.name) {
      case 'rebound_resilience_breaker_state':
        row(target).breaker = Math.max(row(target).breaker ?? 0, sample.value);
        break;
      case 'rebound_resilience_retries_total':
        row(target).retries += sample.value;
        break;
      case 'rebound_resilience_budget_exhausted_total':
        row(target).budgetExhausted += sample.value;
        break;
      case 'rebound_resilience_breaker_rejections_total':
        row(target).breakerRejections += sample.value;
        break;
      case 'rebound_resilience_give_ups_total':
        row(target).giveUps += sample.value;
        break;
    }
  }
  return [...rows].map(([target, values]) => ({ service, target, ...values }));
}

function edgeCounters(samples: readonly Sample[]): EdgeCounters {
  const sum = (name: string) =>
    samples.filter((s) => s.name === name).reduce((total, s) => total + s.value, 0);
  return {
    sheds: sum('rebound_gateway_shed_total'),
    throttled: sum('rebound_gateway_throttled_total'),
    blocked: sum('rebound_gateway_blocked_requests_total'),
    fallbacks: sum('rebound_gateway_fallback_served_total'),
  };
}
