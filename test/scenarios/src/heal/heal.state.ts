import { type Clock, keepAliveClock, sleep } from '@rebound/load';
import { CATALOGUE, findScenario } from '../catalogue/index.ts';
import { connectTarget, type SupervisorStatus, type Target } from '../platform.target.ts';
import { runScenario, type ScenarioReport, type TimelineEntry } from '../scenario.runner.ts';
import { Traffic } from '../traffic.generator.ts';
import { type ActiveAlert, type AlertChange, AlertLog, fetchAlerts } from './alert.log.ts';
import { type PanelView, panelViews, processValues } from './panel.views.ts';
import {
  type AuditView,
  auditViews,
  type RolloutsAnswer,
  type RolloutView,
  rolloutViews,
} from './remediation.view.ts';
import {
  type DependencyRow,
  type PanelValues,
  SERVICES,
  ServiceSampler,
  type ServiceView,
} from './service.sampler.ts';

export interface TrafficView {
  readonly running: boolean;
  readonly rate: number;
  readonly abuser: boolean;
  readonly badBodies: boolean;
  readonly lastSecond:
    | { readonly ok: number; readonly failed: number; readonly shed: number; readonly throttled: number }
    | undefined;
}

export interface ScenarioRunView {
  readonly name: string;
  readonly running: boolean;
  readonly timeline: readonly TimelineEntry[];
  readonly report: ScenarioReport | undefined;
}

/** What `GET /heal/state` answers: everything the heal view shows. */
export interface HealState {
  readonly connected: boolean;
  readonly error: string | undefined;
  /** The heal panels (`@rebound/grafana`'s catalogue) the view lays out, in order: titles, units, states. */
  readonly panels: readonly PanelView[];
  /** The supervisor's rows, each with the `processes` panels' values. */
  readonly processes: readonly (SupervisorStatus['rows'][number] & { readonly values: PanelValues })[];
  readonly services: readonly ServiceView[];
  readonly dependencies: readonly DependencyRow[];
  /** The `edge` panels' values. */
  readonly edge: PanelValues;
  readonly alerts: {
    readonly checked: boolean;
    readonly firing: readonly ActiveAlert[];
    readonly changes: readonly AlertChange[];
  };
  /** Each service's rollout under way or last one, from the supervisor's `GET /rollouts`. */
  readonly rollouts: {
    readonly checked: boolean;
    readonly error: string | undefined;
    readonly services: readonly RolloutView[];
  };
  /** The remediation controller's newest decisions, from its `GET /audit` (not run: checked false). */
  readonly remediation: {
    readonly checked: boolean;
    readonly error: string | undefined;
    readonly entries: readonly AuditView[];
  };
  readonly traffic: TrafficView;
  readonly scenarios: readonly {
    readonly name: string;
    readonly mechanism: string;
    readonly proves: string;
  }[];
  readonly run: ScenarioRunView | undefined;
}

/**
 * The heal view's backend state: connects to the running platform through its data dir (retrying until the
 * supervisor is up), samples every service's metrics and Prometheus's alerts every `intervalMs`, owns the
 * console's traffic and at most one scenario run at a time.
 */
export class HealMonitor {
  readonly #dataDir: string;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #startedAt: number;
  readonly #alerts = new AlertLog();
  #target: Target | undefined;
  #status: SupervisorStatus | undefined;
  #sampler: ServiceSampler | undefined;
  #error: string | undefined;
  #traffic: Traffic | undefined;
  #trafficSettings = { rate: 8, abuser: false, badBodies: false };
  #lastSecond: TrafficView['lastSecond'];
  #run:
    | { name: string; running: boolean; timeline: TimelineEntry[]; report: ScenarioReport | undefined }
    | undefined;
  #stopped = false;
  #rollouts: HealState['rollouts'] = { checked: false, error: undefined, services: [] };
  #remediation: HealState['remediation'] = { checked: false, error: undefined, entries: [] };

  constructor(options: { readonly dataDir: string; readonly clock?: Clock; readonly intervalMs?: number }) {
    this.#dataDir = options.dataDir;
    this.#clock = options.clock ?? keepAliveClock;
    this.#intervalMs = options.intervalMs ?? 2_000;
    this.#startedAt = this.#clock.now();
  }

  /** Samples until `stop`. */
  async run(): Promise<void> {
    while (!this.#stopped) {
      await this.#tick().catch((error: Error) => {
        this.#error = error.message;
      });
      await sleep(this.#clock, this.#intervalMs);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#traffic?.stop();
  }

  get target(): Target | undefined {
    return this.#target;
  }

  state(): HealState {
    return {
      connected: this.#target !== undefined,
      error: this.#error,
      panels: panelViews(),
      processes: (this.#status?.rows ?? []).map((row) => ({ ...row, values: processValues(row) })),
      services:
        this.#sampler?.services() ??
        SERVICES.map((service) => ({ service, flagsOn: [], latest: undefined, history: [] })),
      dependencies: this.#sampler?.dependencies() ?? [],
      edge: this.#sampler?.edge() ?? {},
      alerts: {
        checked: this.#target?.prometheusUrl !== undefined,
        firing: this.#alerts.firing(),
        changes: this.#alerts.changes(),
      },
      rollouts: this.#rollouts,
      remediation: this.#remediation,
      traffic: {
        running: this.#traffic !== undefined,
        ...this.#trafficSettings,
        lastSecond: this.#lastSecond,
      },
      scenarios: CATALOGUE.map(({ name, mechanism, proves }) => ({ name, mechanism, proves })),
      run: this.#run && { ...this.#run, timeline: [...this.#run.timeline] },
    };
  }

  /** Starts, changes or stops the console's traffic. */
  async setTraffic(change: {
    running?: boolean;
    rate?: number;
    abuser?: boolean;
    badBodies?: boolean;
  }): Promise<void> {
    const target = this.#requireTarget();
    this.#trafficSettings = {
      rate: change.rate ?? this.#trafficSettings.rate,
      abuser: change.abuser ?? this.#trafficSettings.abuser,
      badBodies: change.badBodies ?? this.#trafficSettings.badBodies,
    };
    const load = {
      rate: this.#trafficSettings.rate,
      abuserRate: this.#trafficSettings.abuser ? 60 : 0,
      badBodyRate: this.#trafficSettings.badBodies ? 5 : 0,
    };
    if (change.running === false) {
      if (this.#run?.running) throw new Error('a scenario is running: it needs its traffic');
      const traffic = this.#traffic;
      this.#traffic = undefined;
      this.#lastSecond = undefined;
      await traffic?.stop();
      return;
    }
    if (!this.#traffic) {
      this.#traffic = new Traffic({ gatewayUrl: target.gatewayUrl, seed: 16, load });
      this.#traffic.onSecond = (stats) => {
        this.#lastSecond = {
          ok: stats.outcomes.ok,
          failed: stats.outcomes.failed,
          shed: stats.outcomes.shed,
          throttled: stats.outcomes.throttled,
        };
      };
      this.#traffic.start();
    } else {
      this.#traffic.set(load);
    }
  }

  /** Starts scenario `name` in the background (traffic started if off); refuses while another runs. */
  async startScenario(name: string): Promise<void> {
    const scenario = findScenario(name);
    if (!scenario) throw new RangeError(`unknown scenario '${name}'`);
    if (this.#run?.running) throw new Error(`scenario ${this.#run.name} is still running`);
    const target = this.#requireTarget();
    if (!this.#traffic) await this.setTraffic({ running: true });
    const run = {
      name,
      running: true,
      timeline: [] as TimelineEntry[],
      report: undefined as ScenarioReport | undefined,
    };
    this.#run = run;
    void runScenario(scenario, {
      target,
      traffic: this.#traffic as Traffic,
      steadyWindowMs: 5_000,
      settleMs: 20_000,
      onTimeline: (entry) => run.timeline.push(entry),
    })
      .then((report) => {
        run.report = report;
        // The runner leaves the traffic at the scenario's load; the console's settings come back.
        this.#traffic?.set({ rate: this.#trafficSettings.rate });
      })
      .catch((error: Error) => {
        run.timeline.push({ atMs: 0, phase: 'verdict', detail: `FAIL: ${error.message}` });
      })
      .finally(() => {
        run.running = false;
      });
  }

  async #readRollouts(target: Target): Promise<void> {
    try {
      const answer = await target.control('GET', '/rollouts');
      if (answer.status !== 200) throw new Error(`supervisor GET /rollouts answered ${answer.status}`);
      this.#rollouts = {
        checked: true,
        error: undefined,
        services: rolloutViews(answer.json as unknown as RolloutsAnswer),
      };
    } catch (error) {
      this.#rollouts = { ...this.#rollouts, checked: false, error: (error as Error).message };
    }
  }

  /** The controller's address is its row in the supervisor's status (not run with `--only …`: none). */
  async #readAudit(status: SupervisorStatus): Promise<void> {
    const row = status.rows.find((r) => r.process === 'remediation' && r.port !== undefined);
    if (row === undefined) {
      this.#remediation = { checked: false, error: 'the remediation controller is not run', entries: [] };
      return;
    }
    try {
      const response = await fetch(`http://127.0.0.1:${row.port}/audit`, {
        signal: AbortSignal.timeout(1_500),
      });
      if (!response.ok) throw new Error(`remediation GET /audit answered ${response.status}`);
      this.#remediation = {
        checked: true,
        error: undefined,
        entries: auditViews((await response.json()) as AuditView[]),
      };
    } catch (error) {
      this.#remediation = { ...this.#remediation, checked: false, error: (error as Error).message };
    }
  }

  #requireTarget(): Target {
    if (!this.#target) throw new Error(`not connected to a platform yet: ${this.#error ?? 'starting'}`);
    return this.#target;
  }

  async #tick(): Promise<void> {
    if (!this.#target) {
      this.#target = await connectTarget({ dataDir: this.#dataDir });
      const target = this.#target;
      this.#sampler = new ServiceSampler({
        clock: this.#clock,
        fetchPages: async (service) => {
          const replicas = await target.replicas(service);
          const pages = await Promise.all(
            replicas.map((replica) =>
              fetch(`${target.adminUrl(replica)}/metrics`, { signal: AbortSignal.timeout(1_500) })
                .then((response) => (response.ok ? response.text() : ''))
                .catch(() => ''),
            ),
          );
          return pages.filter((page) => page !== '');
        },
      });
    }
    this.#status = await this.#target.status();
    await Promise.all([
      this.#sampler?.sample(),
      this.#readRollouts(this.#target),
      this.#readAudit(this.#status),
    ]);
    if (this.#target.prometheusUrl) {
      this.#alerts.update(
        await fetchAlerts(this.#target.prometheusUrl),
        Math.round(this.#clock.now() - this.#startedAt),
      );
    }
    this.#error = undefined;
  }
}
