import type { Figure, LabelMatch, Panel, PanelSeries } from './panel.types.ts';

/**
 * The one window every rate, ratio and quantile of the heal panels is taken over, in the heal view (the readings
 * of the last minute) and in Grafana (`rate(…[60s])`) alike, so the two show the same number. A minute holds 12
 * scrapes locally (5 s) and 4 on kind (15 s), as many as Grafana's `$__rate_interval` would ask for there.
 */
export const RATE_WINDOW_SECONDS = 60;

/** {@link RATE_WINDOW_SECONDS} as a PromQL range. */
export const RATE_WINDOW = `${RATE_WINDOW_SECONDS}s`;

const matcher = (match: LabelMatch) => `${match.label}${match.op}"${match.regex}"`;

/** The PromQL of one figure, grouped by `by` (Prometheus's `service`, `instance` labels come from the scrape). */
export function figureExpr(figure: Figure, by: readonly string[]): string {
  const group = by.join(', ');
  const R = RATE_WINDOW;
  switch (figure.kind) {
    case 'rate':
      return `sum by (${group}) (rate(${figure.metric}[${R}]))`;
    case 'ratio': {
      const all = `sum by (${group}) (rate(${figure.metric}[${R}]))`;
      // `or 0 * all`: with no matching series at all the ratio is 0, not an empty result.
      return `(sum by (${group}) (rate(${figure.metric}{${matcher(figure.good)}}[${R}])) or 0 * ${all}) / ${all}`;
    }
    case 'quantile':
      return `histogram_quantile(${figure.q}, sum by (${group}, le) (rate(${figure.metric}_bucket[${R}])))`;
    case 'max':
    case 'sum': {
      const selector = figure.match ? `${figure.metric}{${matcher(figure.match)}}` : figure.metric;
      return `${figure.kind} by (${group}) (${selector})`;
    }
    case 'status':
      return `sum by (${group}) (${figure.metric})`;
    case 'alerts':
      return `sum by (${group}) (ALERTS{alertstate="firing"})`;
  }
}

/** The PromQL of one series of a panel. */
export function seriesExpr(panel: Panel, series: PanelSeries): string {
  return figureExpr(series.figure, series.by ?? panel.by);
}

/** The metric names a panel reads (histograms by their family name). */
export function panelMetrics(panel: Panel): string[] {
  return [...new Set(panel.series.map((s) => s.figure.metric))];
}

/** A label matcher as the heal view applies it to a sample's label: anchored, as PromQL's. */
export function labelMatches(match: LabelMatch, labels: Readonly<Record<string, string>>): boolean {
  const hit = new RegExp(`^(?:${match.regex})$`).test(labels[match.label] ?? '');
  return match.op === '=~' ? hit : !hit;
}
