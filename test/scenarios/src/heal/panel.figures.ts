import { type Figure, labelMatches, type Panel } from '@rebound/grafana';
import { histogramQuantile, type Sample } from './metrics.parse.ts';

/**
 * How the heal view computes a catalogue panel's figure from the samples of every replica's `/metrics`
 * (the same figure `@rebound/grafana`'s PromQL asks Prometheus for): counters summed over replicas, then
 * rates and ratios from their deltas over the sampling interval, quantiles from the buckets' deltas.
 */

/** A service's counters for one interval panel at one instant, summed over its replicas. */
export interface Reading {
  /** Which series of the panel the service's metrics have (the gateway serves HTTP, the others gRPC). */
  readonly series: number;
  readonly total: number;
  readonly good: number;
  /** Cumulative bucket counts by upper bound (quantile figures). */
  readonly buckets: ReadonlyMap<number, number>;
}

const isInterval = (figure: Figure) =>
  figure.kind === 'rate' || figure.kind === 'ratio' || figure.kind === 'quantile';

/** The figure's series name in an exposition: a histogram is read from its `_bucket` series. */
export const sampleName = (figure: Figure) =>
  figure.kind === 'quantile' ? `${figure.metric}_bucket` : figure.metric;

/** The reading of an interval panel (rate, ratio, quantile), from its first series with samples. */
export function read(panel: Panel, samples: readonly Sample[]): Reading | undefined {
  for (const [series, { figure, grafanaOnly }] of panel.series.entries()) {
    if (grafanaOnly || !isInterval(figure)) continue;
    const name = sampleName(figure);
    const own = samples.filter((s) => s.name === name);
    if (own.length === 0) continue;
    let total = 0;
    let good = 0;
    const buckets = new Map<number, number>();
    for (const sample of own) {
      if (figure.kind === 'quantile') {
        const le = sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
        buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
        if (le === Number.POSITIVE_INFINITY) total += sample.value;
      } else {
        total += sample.value;
        if (figure.kind === 'ratio' && labelMatches(figure.good, sample.labels)) good += sample.value;
      }
    }
    return { series, total, good, buckets };
  }
  return undefined;
}

/**
 * The figure over the interval between two readings, or undefined: no request, another series, or a counter
 * that went down (a replica restarted: not negative traffic).
 */
export function intervalValue(
  panel: Panel,
  previous: Reading | undefined,
  current: Reading | undefined,
  seconds: number,
): number | undefined {
  if (!previous || !current || previous.series !== current.series || seconds <= 0) return undefined;
  if (current.total < previous.total) return undefined;
  const figure = panel.series[current.series]?.figure;
  const delta = current.total - previous.total;
  switch (figure?.kind) {
    case 'rate':
      return delta / seconds;
    case 'ratio':
      return delta > 0 ? Math.max(0, current.good - previous.good) / delta : undefined;
    case 'quantile': {
      const buckets = new Map<number, number>();
      for (const [le, count] of current.buckets)
        buckets.set(le, Math.max(0, count - (previous.buckets.get(le) ?? 0)));
      return histogramQuantile(figure.q, buckets);
    }
    default:
      return undefined;
  }
}

/**
 * An instant panel's values (`max`: the worst replica; `sum`: the total over replicas) per value of its
 * labels other than `service`, joined with a space (`target` for the dependency panels, '' for the edge).
 */
export function instantValues(panel: Panel, samples: readonly Sample[]): Map<string, number> {
  const values = new Map<string, number>();
  const labels = panel.by.filter((label) => label !== 'service');
  for (const { figure, grafanaOnly } of panel.series) {
    if (grafanaOnly || (figure.kind !== 'max' && figure.kind !== 'sum')) continue;
    for (const sample of samples) {
      if (sample.name !== figure.metric || (figure.match && !labelMatches(figure.match, sample.labels)))
        continue;
      if (labels.some((label) => sample.labels[label] === undefined)) continue;
      const key = labels.map((label) => sample.labels[label]).join(' ');
      const before = values.get(key);
      values.set(
        key,
        before === undefined
          ? sample.value
          : figure.kind === 'max'
            ? Math.max(before, sample.value)
            : before + sample.value,
      );
    }
  }
  return values;
}
