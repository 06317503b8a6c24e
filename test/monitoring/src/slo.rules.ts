/**
 * The checkout SLOs as multi-window, multi-burn-rate alerts (Google SRE workbook, chapter 5, "alerting on
 * SLOs", recipe 6): a page when the error budget burns 14.4x over 1h (confirmed over 5m) or 6x over 6h
 * (confirmed over 30m), a ticket at 3x over 1d (2h) or 1x over 3d (6h). One source generates the production
 * rule file `infra/prometheus/rules/slo.rules.yml` and the time-scaled variant the end-to-end test loads.
 */

/** One SLO: the ratio of bad events to all events, and the objective. */
export interface Slo {
  /** Names the recording rules (`slo:<name>:error_ratio_rate5m`) and the alerts (`<Alert>BudgetBurnFast`). */
  readonly name: string;
  readonly alert: string;
  /** Fraction of good events promised over 30 days, e.g. 0.995. */
  readonly objective: number;
  /** PromQL for the rate of bad events over `$w` (the window is substituted). */
  readonly bad: string;
  /** PromQL for the rate of all events over `$w`. */
  readonly total: string;
  readonly summary: string;
  readonly description: string;
}

const CHECKOUT = 'service="gateway",operation="POST /api/orders"';

/** The checkout latency threshold: a checkout slower than this (seconds, a histogram bucket bound) is bad. */
export const CHECKOUT_LATENCY_THRESHOLD_SECONDS = 1;

export const CHECKOUT_SLOS: readonly Slo[] = [
  {
    name: 'checkout_availability',
    alert: 'CheckoutAvailability',
    objective: 0.995,
    bad: `sum(rate(rebound_http_server_requests_total{${CHECKOUT},outcome=~"5.."}[$w]))`,
    total: `sum(rate(rebound_http_server_requests_total{${CHECKOUT}}[$w]))`,
    summary: 'Checkout is failing: the availability error budget burns $burn too fast',
    description:
      'POST /api/orders at the gateway answers 5xx to {{ $value | humanizePercentage }} of requests over the long window (SLO 99.5% non-5xx over 30 days).',
  },
  {
    name: 'checkout_latency',
    alert: 'CheckoutLatency',
    objective: 0.99,
    bad: `(sum(rate(rebound_http_server_duration_seconds_count{${CHECKOUT}}[$w])) - sum(rate(rebound_http_server_duration_seconds_bucket{${CHECKOUT},le="${CHECKOUT_LATENCY_THRESHOLD_SECONDS}"}[$w])))`,
    total: `sum(rate(rebound_http_server_duration_seconds_count{${CHECKOUT}}[$w]))`,
    summary: 'Checkout is slow: the latency error budget burns $burn too fast',
    description: `{{ $value | humanizePercentage }} of checkouts (POST /api/orders) took longer than ${CHECKOUT_LATENCY_THRESHOLD_SECONDS}s over the long window (SLO 99% under ${CHECKOUT_LATENCY_THRESHOLD_SECONDS}s over 30 days).`,
  },
];

/** A long window, the short window that confirms it is still burning, and the burn-rate factor. */
interface BurnWindow {
  readonly long: number;
  readonly short: number;
  readonly factor: number;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const PAGE: readonly BurnWindow[] = [
  { long: HOUR, short: 5 * MINUTE, factor: 14.4 },
  { long: 6 * HOUR, short: 30 * MINUTE, factor: 6 },
];
const TICKET: readonly BurnWindow[] = [
  { long: DAY, short: 2 * HOUR, factor: 3 },
  { long: 3 * DAY, short: 6 * HOUR, factor: 1 },
];

/** Every window used, named as in the recording rules (`rate5m`, `rate1h`, `rate3d`). */
const WINDOWS = [...new Set([...PAGE, ...TICKET].flatMap((w) => [w.long, w.short]))].sort((a, b) => a - b);

/** `300` → `5m`, `86400` → `1d`: the name of a production window. */
export function windowName(seconds: number): string {
  if (seconds % DAY === 0) return `${seconds / DAY}d`;
  if (seconds % HOUR === 0) return `${seconds / HOUR}h`;
  if (seconds % MINUTE === 0) return `${seconds / MINUTE}m`;
  return `${seconds}s`;
}

/** A PromQL duration for `seconds / scale`, never under one second. */
function duration(seconds: number, scale: number): string {
  const scaled = Math.max(1, Math.round(seconds / scale));
  return windowName(scaled);
}

export interface Rule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly Rule[];
}

export interface SloRuleOptions {
  /**
   * Divides every window and `for` duration (1 = production). The end-to-end test uses 60: the 1h window
   * becomes 60s, 5m becomes 5s, so a burn is detected in seconds, with the same expressions and factors.
   */
  readonly windowScale?: number;
  /** Where the runbooks live (`<base>/<AlertName>.md`). */
  readonly runbookBase?: string;
}

/** Runbook links are paths in this repository (no public URL yet); prefix a repository URL when there is one. */
export const RUNBOOK_BASE = 'docs/runbooks';

function recordName(slo: Slo, seconds: number): string {
  return `slo:${slo.name}:error_ratio_rate${windowName(seconds)}`;
}

function burnAlert(
  slo: Slo,
  speed: 'Fast' | 'Slow',
  windows: readonly BurnWindow[],
  o: Required<SloRuleOptions>,
): Rule {
  const budget = 1 - slo.objective;
  const clause = (w: BurnWindow) =>
    `(${recordName(slo, w.long)} > (${w.factor} * ${budget.toFixed(4)}) and ${recordName(slo, w.short)} > (${w.factor} * ${budget.toFixed(4)}))`;
  const alert = `${slo.alert}BudgetBurn${speed}`;
  return {
    alert,
    expr: windows.map(clause).join('\nor\n'),
    for: duration(speed === 'Fast' ? 2 * MINUTE : 15 * MINUTE, o.windowScale),
    labels: {
      severity: speed === 'Fast' ? 'page' : 'ticket',
      service: 'gateway',
      slo: slo.name,
      burn: speed === 'Fast' ? '14.4x/6x' : '3x/1x',
    },
    annotations: {
      summary: slo.summary.replace('$burn', speed === 'Fast' ? '14.4x/6x' : '3x/1x'),
      description: slo.description,
      runbook_url: `${o.runbookBase}/${alert}.md`,
    },
  };
}

/** The recording and alerting rule groups of every checkout SLO. */
export function sloRuleGroups(options: SloRuleOptions = {}): RuleGroup[] {
  const o: Required<SloRuleOptions> = { windowScale: 1, runbookBase: RUNBOOK_BASE, ...options };
  return CHECKOUT_SLOS.flatMap((slo) => [
    {
      name: `slo-${slo.name}-recording`,
      rules: WINDOWS.map((seconds) => {
        const w = duration(seconds, o.windowScale);
        return {
          record: recordName(slo, seconds),
          expr: `${slo.bad.replaceAll('$w', w)}\n/\n${slo.total.replaceAll('$w', w)}`,
        };
      }),
    },
    {
      name: `slo-${slo.name}-alerts`,
      rules: [burnAlert(slo, 'Fast', PAGE, o), burnAlert(slo, 'Slow', TICKET, o)],
    },
  ]);
}
