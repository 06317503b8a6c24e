/** Grafana unit ids; the heal view formats its numbers by the same ids. */
export type PanelUnit = 'reqps' | 'percentunit' | 's' | 'short';

/** Where a panel sits in the heal view (and in which row of the Grafana dashboard). */
export type PanelSection = 'services' | 'dependencies' | 'edge' | 'processes' | 'alerts';

/**
 * A label matcher with PromQL's meaning: the value is a regular expression anchored at both ends (RE2
 * syntax kept to what JavaScript reads the same way).
 */
export interface LabelMatch {
  readonly label: string;
  readonly op: '=~' | '!~';
  readonly regex: string;
}

/**
 * One figure, said once: the heal view computes it from the replicas' `/metrics` pages it polls every
 * interval, and `figureExpr` turns it into the PromQL Prometheus evaluates for Grafana.
 * - `rate`: per second over `RATE_WINDOW_SECONDS` (the last minute). Heal view: the counter summed over
 *   replicas, its delta from the oldest reading of the window that has it (a counter that went down is a restart: the
 *   window starts again from there). PromQL: `rate` over `RATE_WINDOW`.
 * - `ratio`: the share of a counter's increase matching `good`, the same deltas or `rate`s.
 * - `quantile`: from a histogram's buckets summed over replicas, the interval's increase per bucket,
 *   interpolated inside the bucket as `histogram_quantile` does.
 * - `max` / `sum`: a gauge's worst replica, or a counter's total over the replicas running now.
 * - `status`: a field of the supervisor's `/status` row, which its `/metrics` exports as `metric`.
 * - `alerts`: Prometheus's firing alerts (`/api/v1/alerts`, i.e. the `ALERTS` series).
 */
export type Figure =
  | { readonly kind: 'rate'; readonly metric: string }
  | { readonly kind: 'ratio'; readonly metric: string; readonly good: LabelMatch }
  | { readonly kind: 'quantile'; readonly q: number; readonly metric: string }
  | { readonly kind: 'max'; readonly metric: string; readonly match?: LabelMatch }
  | { readonly kind: 'sum'; readonly metric: string; readonly match?: LabelMatch }
  | { readonly kind: 'status'; readonly metric: string; readonly field: 'ready' | 'restarts' | 'crashLoop' }
  | { readonly kind: 'alerts'; readonly metric: 'ALERTS' };

/** One line of a panel: a figure per value of the panel's `by` labels. */
export interface PanelSeries {
  readonly figure: Figure;
  /** Grafana's legend (`{{service}}`). */
  readonly legend: string;
  /**
   * Only in Grafana (a Kubernetes counterpart the local platform has no process for); the heal view
   * computes every other series.
   */
  readonly grafanaOnly?: true;
  /** Labels of this series when not the panel's `by`. */
  readonly by?: readonly string[];
}

export interface Panel {
  /** Stable key: the heal view's column and data attribute. */
  readonly id: string;
  readonly section: PanelSection;
  readonly title: string;
  readonly unit: PanelUnit;
  readonly description: string;
  /** The labels a value is per: `service`, `service, target`, `process`, `alertname`. */
  readonly by: readonly string[];
  /**
   * Series tried in order: a service's value is the first series its metrics have samples of (the gateway
   * serves HTTP, the others gRPC). Grafana draws them all.
   */
  readonly series: readonly PanelSeries[];
  /** Names of the values of a state gauge (0 → states[0]); Grafana value mappings, the heal view's pills. */
  readonly states?: readonly string[];
}
