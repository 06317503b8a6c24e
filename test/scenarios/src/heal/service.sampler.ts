import { HEAL_PANELS, type Panel, RATE_WINDOW_SECONDS } from '@rebound/grafana';
import { type Clock, keepAliveClock } from '@rebound/load';
import { parseMetrics, type Sample } from './metrics.parse.ts';
import { instantValues, intervalValue, type Reading, read, sampleName } from './panel.figures.ts';

/** The services whose admin ports serve RED and resilience metrics. */
export const SERVICES = ['gateway', 'catalog', 'inventory', 'payments', 'orders', 'notifications'] as const;

const inSection = (section: Panel['section']) => HEAL_PANELS.filter((panel) => panel.section === section);
const SERVICE_PANELS = inSection('services');
const DEPENDENCY_PANELS = inSection('dependencies');
const EDGE_PANELS = inSection('edge');
/** Every series name the catalogue's panels read, and the degradation flags: the only lines parsed. */
const NAMES = [
  ...new Set(
    [...SERVICE_PANELS, ...DEPENDENCY_PANELS, ...EDGE_PANELS].flatMap((panel) =>
      panel.series.map((s) => sampleName(s.figure)),
    ),
  ),
  'rebound_degradation_flag',
];

/** Panel id → value; undefined when the interval had nothing to compute it from. */
export type PanelValues = Readonly<Record<string, number | undefined>>;

/** One point of a service's charts: the `services` panels over one sampling interval. */
export interface ServicePoint {
  /** Milliseconds since the sampler started. */
  readonly t: number;
  readonly values: PanelValues;
}

export interface ServiceView {
  readonly service: string;
  /** Degradation flags on at any replica (`rebound_degradation_flag` 1), e.g. `serve-cached-catalog`. */
  readonly flagsOn: readonly string[];
  readonly latest: ServicePoint | undefined;
  readonly history: readonly ServicePoint[];
}

/** The `dependencies` panels' values for one caller → dependency pair (totals over the running replicas). */
export interface DependencyRow {
  readonly service: string;
  readonly target: string;
  readonly values: PanelValues;
}

/**
 * Polls every service replica's `/metrics` and computes the heal panels of `@rebound/grafana` from them: per
 * service the interval panels over the catalogue's rate window (the last minute, as Grafana's PromQL; one point
 * per poll, kept for `historyPoints` polls), per dependency and at the edge the instant ones. Numbers are the services' own, never made up.
 */
export class ServiceSampler {
  readonly #fetchPage: (service: string) => Promise<string[]>;
  readonly #clock: Clock;
  readonly #historyPoints: number;
  readonly #startedAt: number;
  readonly #windowMs: number;
  /** Per service, its readings of the last rate window, oldest first (the first is the window's base). */
  readonly #window = new Map<string, { readings: (Reading | undefined)[]; at: number }[]>();
  readonly #history = new Map<string, ServicePoint[]>();
  readonly #flags = new Map<string, string[]>();
  #dependencies: DependencyRow[] = [];
  #edge: PanelValues = {};

  constructor(options: {
    /** The `/metrics` pages of every reachable replica of `service`. */
    readonly fetchPages: (service: string) => Promise<string[]>;
    readonly clock?: Clock;
    readonly historyPoints?: number;
    /** The window rates are taken over; default the panel catalogue's, which Grafana's PromQL uses too. */
    readonly rateWindowSeconds?: number;
  }) {
    this.#windowMs = (options.rateWindowSeconds ?? RATE_WINDOW_SECONDS) * 1000;
    this.#fetchPage = options.fetchPages;
    this.#clock = options.clock ?? keepAliveClock;
    this.#historyPoints = options.historyPoints ?? 150;
    this.#startedAt = this.#clock.now();
  }

  async sample(): Promise<void> {
    const dependencies: DependencyRow[] = [];
    const edge: Record<string, number> = {};
    for (const service of SERVICES) {
      const samples = (await this.#fetchPage(service)).flatMap((page) => parseMetrics(page, NAMES));
      this.#record(service, samples);
      const on = samples.filter((x) => x.name === 'rebound_degradation_flag' && x.value === 1);
      this.#flags.set(service, [...new Set(on.map((x) => x.labels.flag ?? '?'))].sort());
      dependencies.push(...dependencyRows(service, samples));
      for (const panel of EDGE_PANELS) {
        for (const value of instantValues(panel, samples).values())
          edge[panel.id] = (edge[panel.id] ?? 0) + value;
      }
    }
    this.#dependencies = dependencies;
    this.#edge = Object.fromEntries(EDGE_PANELS.map((panel) => [panel.id, edge[panel.id] ?? 0]));
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

  /** The `edge` panels' values: the gateway's decisions, totals over its running replicas. */
  edge(): PanelValues {
    return this.#edge;
  }

  #record(service: string, samples: readonly Sample[]): void {
    const now = this.#clock.now();
    const readings = SERVICE_PANELS.map((panel) => read(panel, samples));
    const window = this.#window.get(service) ?? [];
    const previous = window.at(-1);
    // A replica restarting resets its counters: a delta that went down is a restart, not traffic; the window
    // starts again from this reading.
    if (
      previous &&
      readings.some((r, i) => r && previous.readings[i] && r.total < (previous.readings[i]?.total ?? 0))
    ) {
      this.#window.set(service, [{ readings, at: now }]);
      return;
    }
    window.push({ readings, at: now });
    // As a PromQL range: the readings no older than the window; the oldest of them is the base.
    while (window.length > 0 && now - (window[0]?.at ?? now) > this.#windowMs) window.shift();
    this.#window.set(service, window);
    if (window.length < 2) return;
    const point: ServicePoint = {
      t: Math.round(now - this.#startedAt),
      values: Object.fromEntries(
        SERVICE_PANELS.map((panel, i) => {
          // As PromQL's range, from the oldest sample of the window that has the series: a counter that
          // appeared within the window (the first request of a service) is taken from its first reading.
          const current = readings[i];
          const base = window.find(
            (entry) => entry.at < now && entry.readings[i]?.series === current?.series,
          );
          const value =
            base === undefined
              ? undefined
              : intervalValue(panel, base.readings[i], current, (now - base.at) / 1000);
          return [panel.id, value];
        }),
      ),
    };
    const history = this.#history.get(service) ?? [];
    history.push(point);
    if (history.length > this.#historyPoints) history.shift();
    this.#history.set(service, history);
  }
}

function dependencyRows(service: string, samples: readonly Sample[]): DependencyRow[] {
  const rows = new Map<string, Record<string, number | undefined>>();
  for (const panel of DEPENDENCY_PANELS) {
    for (const [target, value] of instantValues(panel, samples)) {
      const row = rows.get(target) ?? {};
      row[panel.id] = value;
      rows.set(target, row);
    }
  }
  return [...rows].map(([target, values]) => ({
    service,
    target,
    // A labelled counter appears at its first increment: absent is 0; a gauge absent stays unknown.
    values: Object.fromEntries(
      DEPENDENCY_PANELS.map((panel) => [
        panel.id,
        values[panel.id] ?? (panel.series.some((s) => s.figure.kind === 'sum') ? 0 : undefined),
      ]),
    ),
  }));
}
