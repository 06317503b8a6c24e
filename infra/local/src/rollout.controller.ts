import type { Clock } from '@rebound/resilience';
import type { EndpointsFiles } from './endpoints.file.ts';
import { Emitter, type Event } from './internal/event.emitter.ts';
import { scrape } from './metrics.scrape.ts';
import type { Supervisor } from './platform.supervisor.ts';
import type { ReplicaMachine } from './replica.machine.ts';
import {
  type AnalysisThresholds,
  combine,
  DEFAULT_THRESHOLDS,
  judge,
  type MetricsSnapshot,
  parseSnapshot,
  STARVED_WINDOW_FACTOR,
  starved,
  type WindowStats,
  windowOf,
} from './rollout.analysis.ts';
import type { RolloutRecord, RolloutStore } from './rollout.store.ts';
import type { ProcessSpec, ReplicaSpec } from './topology.types.ts';
import { BASE_VERSION, describeVersion, sameVersion, type Version, withVersion } from './version.profile.ts';

/** How a rollout proceeds; every field can be set per rollout (`pnpm rollout --window-ms …`). */
export interface RolloutSettings {
  /** A new replica must be ready within this long, or the rollout rolls back. */
  readonly progressDeadlineMs: number;
  /** How long each new replica is compared with the old ones before the next step. */
  readonly windowMs: number;
  /** How often the analysis scrapes the replicas' /metrics. */
  readonly intervalMs: number;
  /** Wait after changing an endpoints file before stopping a replica: clients re-read the file every second. */
  readonly propagationMs: number;
  readonly thresholds: AnalysisThresholds;
}

export const DEFAULT_SETTINGS: RolloutSettings = {
  progressDeadlineMs: 60_000,
  windowMs: 30_000,
  intervalMs: 2_000,
  propagationMs: 2_000,
  thresholds: DEFAULT_THRESHOLDS,
};

export interface RolloutRequest {
  readonly process: string;
  readonly to: Version;
  readonly settings?: Partial<Omit<RolloutSettings, 'thresholds'>> & {
    readonly thresholds?: Partial<AnalysisThresholds>;
  };
}

/** A rollout cannot start: the message says why (HTTP 409 / 400 at the control server). */
export class RolloutRefused extends Error {
  /** True when the request is fine but the state does not allow it now (409), false for a bad request (400). */
  readonly conflict: boolean;

  constructor(message: string, conflict: boolean) {
    super(message);
    this.conflict = conflict;
  }
}

export interface RolloutControllerOptions {
  readonly supervisor: Supervisor;
  readonly processes: readonly ProcessSpec[];
  readonly endpoints: EndpointsFiles;
  readonly store: RolloutStore;
  readonly clock: Clock;
  /** Wall-clock time for the records people read. */
  readonly stamp?: () => string;
  /** Reads a replica's /metrics; the real one GETs its admin port. */
  readonly scrape?: (spec: ReplicaSpec) => Promise<string>;
}

type Failure = { readonly reason: string; readonly badSince: number };

/**
 * Rolling updates of one entry at a time, as a Deployment does with surge 1 and unavailable 0: a replica of the new
 * version is started beside the old ones, must pass readiness, then receives traffic (the endpoints file) and is
 * compared with the old replicas over an analysis window (error ratio, p99, memory, from their own /metrics); only
 * then is one old replica taken out of the endpoints and stopped. A failing step rolls back: the new replica goes,
 * and any new replica already promoted is replaced by the old version again, one at a time, before it goes.
 * Every step is written to the data dir; a supervisor that restarts mid-rollout starts the old version
 * everywhere (`recoverInterrupted`).
 */
export class RolloutController {
  readonly #o: RolloutControllerOptions;
  readonly #stamp: () => string;
  readonly #scrape: (spec: ReplicaSpec) => Promise<string>;
  /** The version each running replica was started with. */
  readonly #versions = new Map<string, Version>();
  readonly #events = new Emitter<{ record: RolloutRecord; message: string; level: 'event' | 'warn' }>();
  #active: Promise<void> | undefined;
  #abort: string | undefined;
  #frozen = false;
  /** Rollouts ended, by entry and result, since the supervisor started (for /metrics). */
  readonly #results = new Map<string, number>();

  readonly onEvent: Event<{ record: RolloutRecord; message: string; level: 'event' | 'warn' }> =
    this.#events.event;

  constructor(options: RolloutControllerOptions) {
    this.#o = options;
    this.#stamp = options.stamp ?? (() => new Date().toISOString());
    this.#scrape =
      options.scrape ??
      ((spec) =>
        spec.adminPort === undefined ? Promise.reject(new Error('no admin port')) : scrape(spec.adminPort));
    for (const process of options.processes) {
      const version = options.store.state.versions[process.name] ?? BASE_VERSION;
      for (const replica of process.replicas) this.#versions.set(replica.name, version);
    }
  }

  /** The version of every replica, to start an entry's replicas with (before the supervisor starts them). */
  static applyStoredVersions(processes: readonly ProcessSpec[], store: RolloutStore): ProcessSpec[] {
    return processes.map((process) => {
      const version = store.state.versions[process.name];
      if (!version) return process;
      return { ...process, replicas: process.replicas.map((r) => withVersion(r, version)) };
    });
  }

  /**
   * A rollout the last supervisor did not finish: the fleet restarts on the version it came from (the stable one
   * on disk) and the rollout is recorded as rolled back, so a mixed fleet never comes back silently.
   */
  static recoverInterrupted(
    store: RolloutStore,
    stamp = () => new Date().toISOString(),
  ): RolloutRecord | undefined {
    const active = store.state.active;
    if (!active) return undefined;
    const reason = `interrupted by a supervisor restart during "${active.step}": every replica restarts on ${describeVersion(active.from)}`;
    active.phase = 'RolledBack';
    active.reason = reason;
    active.endedAt = stamp();
    active.events.push({ at: active.endedAt, message: `rolled back: ${reason}` });
    store.state.versions[active.process] = active.from;
    store.finish(active);
    return active;
  }

  /** The version an entry stands on (what a scale-up starts). */
  versionOfEntry(process: string): Version {
    return this.#o.store.state.versions[process] ?? BASE_VERSION;
  }

  /** `spec` running `version`, remembered as such (a replica added outside a rollout). */
  specFor(spec: ReplicaSpec, version: Version): ReplicaSpec {
    this.#versions.set(spec.name, version);
    return withVersion(spec, version);
  }

  get busy(): boolean {
    return this.#active !== undefined;
  }

  /** The rollout under way (if any), the last ones, and the version of every replica: `GET /rollouts`. */
  status(): {
    active: RolloutRecord | null;
    history: RolloutRecord[];
    replicas: { replica: string; process: string; version: string; behaviour: string }[];
  } {
    const replicas = this.#o.processes.flatMap((process) =>
      this.#o.supervisor.replicasOf(process.name).map(({ spec }) => {
        const version = this.#versions.get(spec.name) ?? BASE_VERSION;
        return {
          replica: spec.name,
          process: process.name,
          version: version.name,
          behaviour: version.behaviour,
        };
      }),
    );
    return { active: this.#o.store.state.active ?? null, history: this.#o.store.state.history, replicas };
  }

  /** Prometheus text for the control server's /metrics. */
  metrics(): string {
    const state = this.#o.store.state;
    const lines = [
      '# HELP rebound_rollout_in_progress Whether a rollout of the entry is under way (1) or not (0).',
      '# TYPE rebound_rollout_in_progress gauge',
      ...this.#o.processes
        .filter((p) => p.spares !== undefined)
        .map(
          (p) =>
            `rebound_rollout_in_progress{service="${p.name}"} ${state.active?.process === p.name ? 1 : 0}`,
        ),
      '# HELP rebound_rollouts_total Rollouts ended since the supervisor started, by entry and result.',
      '# TYPE rebound_rollouts_total counter',
      ...[...this.#results.entries()].map(([key, count]) => {
        const [service, result] = key.split('/');
        return `rebound_rollouts_total{service="${service}",result="${result}"} ${count}`;
      }),
      '# HELP rebound_rollout_last_rollback_seconds From the first bad signal to the last new replica out of traffic, for the last rollback.',
      '# TYPE rebound_rollout_last_rollback_seconds gauge',
      ...lastRollbacks(state.history).map(
        (r) =>
          `rebound_rollout_last_rollback_seconds{service="${r.process}"} ${((r.rollbackMs ?? 0) / 1000).toFixed(3)}`,
      ),
      '# HELP rebound_replica_version_info The version each replica runs; always 1.',
      '# TYPE rebound_replica_version_info gauge',
      ...this.status().replicas.map(
        (r) =>
          `rebound_replica_version_info{service="${r.process}",process="${r.replica}",version="${r.version}",behaviour="${r.behaviour.replace(/"/g, '')}"} 1`,
      ),
    ];
    return `${lines.join('\n')}\n`;
  }

  /** Starts a rollout; resolves with its record once it has started (it runs on in the background). */
  start(request: RolloutRequest): RolloutRecord {
    if (this.#active) {
      const active = this.#o.store.state.active;
      throw new RolloutRefused(
        `a rollout is under way (${active?.process} to ${active ? describeVersion(active.to) : '?'})`,
        true,
      );
    }
    const process = this.#o.processes.find((p) => p.name === request.process);
    if (!process) throw new RolloutRefused(`unknown entry '${request.process}'`, false);
    if (process.front?.followsPrimary) {
      throw new RolloutRefused(`${process.name} follows a primary: it is not rolled out`, false);
    }
    if (!process.spares || process.spares.length === 0 || process.replicas[0]?.adminPort === undefined) {
      throw new RolloutRefused(
        `${process.name} cannot be rolled out (no free replica index or no admin port)`,
        false,
      );
    }
    const running = this.#o.supervisor.replicasOf(process.name);
    if (running.length === 0 || running.some(({ machine }) => !machine.ready)) {
      throw new RolloutRefused(
        `${process.name} is not ready everywhere: wait for every replica to be ready`,
        true,
      );
    }
    const from = this.#o.store.state.versions[process.name] ?? BASE_VERSION;
    if (sameVersion(from, request.to)) {
      throw new RolloutRefused(`${process.name} already runs ${describeVersion(from)}`, true);
    }
    const settings: RolloutSettings = {
      ...DEFAULT_SETTINGS,
      ...request.settings,
      thresholds: { ...DEFAULT_THRESHOLDS, ...request.settings?.thresholds },
    };
    const record: RolloutRecord = {
      id: this.#o.store.nextId(),
      process: process.name,
      from,
      to: request.to,
      phase: 'Progressing',
      step: 'starting',
      replaced: 0,
      of: running.length,
      startedAt: this.#stamp(),
      events: [],
    };
    this.#o.store.state.active = record;
    this.#abort = undefined;
    this.#log(
      record,
      `rollout #${record.id} of ${process.name}: ${describeVersion(from)} -> ${describeVersion(request.to)}, ${running.length} replicas, surge 1, unavailable 0`,
    );
    this.#active = this.#run(process, record, settings)
      .catch((error: unknown) => {
        record.phase = 'Failed';
        record.reason = `controller error: ${(error as Error).message}`;
        this.#log(record, record.reason, 'warn');
      })
      .finally(() => {
        this.#active = undefined;
        // The supervisor is going down: the record stays active on disk, and the next one rolls it back.
        if (this.#frozen) return;
        record.endedAt = this.#stamp();
        this.#count(record);
        this.#o.store.finish(record);
        this.#active = undefined;
      });
    return record;
  }

  /**
   * Rolls back: the rollout under way stops at its next check and rolls back with `reason`; without one, the last
   * completed rollout of `process` (any entry when omitted) is undone by a rollout to the version it replaced.
   */
  rollback(reason: string, processName?: string): RolloutRecord {
    const active = this.#o.store.state.active;
    if (active && this.#active) {
      if (processName === undefined || active.process === processName) {
        this.#abort = reason;
        this.#log(active, `rollback asked: ${reason}`, 'warn');
        return active;
      }
      throw new RolloutRefused(`a rollout of ${active.process} is under way`, true);
    }
    const last = this.#o.store.state.history.find(
      (r) => r.phase === 'Completed' && (processName === undefined || r.process === processName),
    );
    if (!last) throw new RolloutRefused('no completed rollout to roll back', true);
    const current = this.#o.store.state.versions[last.process] ?? BASE_VERSION;
    if (!sameVersion(current, last.to)) {
      throw new RolloutRefused(`${last.process} no longer runs ${describeVersion(last.to)}`, true);
    }
    return this.start({ process: last.process, to: last.from });
  }

  /**
   * The supervisor stops: nothing is written any more, so a rollout under way stays on disk as it stood (the next
   * supervisor rolls it back) instead of being recorded as failed by the replicas going down.
   */
  freeze(): void {
    if (this.#active && this.#o.store.state.active) {
      this.#log(this.#o.store.state.active, 'the supervisor stops: rollout interrupted', 'warn');
    }
    this.#frozen = true;
  }

  /** Resolves when the rollout under way (if any) has ended. */
  async settled(): Promise<void> {
    await this.#active;
  }

  async #run(process: ProcessSpec, record: RolloutRecord, settings: RolloutSettings): Promise<void> {
    const olds = this.#o.supervisor.replicasOf(process.name).map(({ spec }) => spec);
    const promoted: ReplicaSpec[] = [];
    for (const old of olds) {
      const candidate = this.#spareSpec(process, record.to);
      const failure = await this.#bringIn(process, record, settings, candidate, old);
      if (failure) {
        await this.#rollBack(process, record, settings, failure, candidate, promoted);
        return;
      }
      promoted.push(candidate);
      record.step = `taking ${old.name} (${describeVersion(record.from)}) out of the endpoints`;
      this.#o.endpoints.remove(process.name, old.name);
      this.#save(record);
      await this.#delay(settings.propagationMs);
      await this.#o.supervisor.removeReplica(old.name);
      this.#versions.delete(old.name);
      record.replaced += 1;
      this.#log(
        record,
        `${old.name} stopped; ${record.replaced}/${record.of} replicas on ${describeVersion(record.to)}`,
      );
    }
    record.phase = 'Completed';
    record.step = 'done';
    this.#o.store.state.versions[process.name] = record.to;
    this.#log(
      record,
      `rollout #${record.id} of ${process.name} completed: every replica runs ${describeVersion(record.to)}`,
    );
  }

  /** Starts `candidate`, waits for readiness, adds it to the endpoints and analyses it; a failure or nothing. */
  async #bringIn(
    process: ProcessSpec,
    record: RolloutRecord,
    settings: RolloutSettings,
    candidate: ReplicaSpec,
    replacing: ReplicaSpec,
  ): Promise<Failure | undefined> {
    record.step = `starting ${candidate.name} on ${describeVersion(record.to)} (to replace ${replacing.name})`;
    this.#log(record, record.step);
    this.#versions.set(candidate.name, record.to);
    const startedAt = this.#o.clock.now();
    const machine = this.#o.supervisor.addReplica(process.name, candidate);
    const readiness = await this.#ready(machine, settings.progressDeadlineMs);
    if (readiness !== 'ready') return { reason: `${candidate.name}: ${readiness}`, badSince: startedAt };
    if (this.#abort !== undefined) return { reason: this.#abort, badSince: this.#o.clock.now() };
    this.#o.endpoints.add(process.name, candidate.name, candidate.port ?? 0);
    record.step = `analysing ${candidate.name} against the old replicas`;
    this.#log(record, `${candidate.name} ready and in the endpoints; analysis for ${settings.windowMs} ms`);
    return this.#analyse(process, record, settings, candidate, machine);
  }

  async #analyse(
    process: ProcessSpec,
    record: RolloutRecord,
    settings: RolloutSettings,
    candidate: ReplicaSpec,
    machine: ReplicaMachine,
  ): Promise<Failure | undefined> {
    const trafficSince = this.#o.clock.now();
    let exited: string | undefined;
    const subscription = machine.onEvent((event) => {
      if (event.type === 'exited' && exited === undefined) {
        exited = `${candidate.name} exited (${event.signal ? `signal ${event.signal}` : `code ${event.code}`}) during the analysis`;
      }
    });
    try {
      const baseline = () =>
        this.#o.supervisor
          .replicasOf(process.name)
          .map(({ spec }) => spec)
          .filter((spec) => spec.name !== candidate.name && sameVersion(this.#versionOf(spec), record.from));
      const first = await this.#snapshots([candidate, ...baseline()]);
      let scrapeFailures = 0;
      let extended = false;
      for (;;) {
        await this.#delay(settings.intervalMs);
        if (exited !== undefined) return { reason: exited, badSince: trafficSince };
        if (this.#abort !== undefined) return { reason: this.#abort, badSince: this.#o.clock.now() };
        const now = await this.#snapshots([candidate, ...baseline()]);
        const candidateNow = now.get(candidate.name);
        const candidateFirst = first.get(candidate.name);
        if (!candidateNow || !candidateFirst) {
          scrapeFailures += 1;
          if (scrapeFailures >= 3)
            return { reason: `${candidate.name}: /metrics unreachable 3 times`, badSince: trafficSince };
          continue;
        }
        scrapeFailures = 0;
        const olds: WindowStats[] = [];
        for (const spec of baseline()) {
          const a = first.get(spec.name);
          const b = now.get(spec.name);
          if (a && b) olds.push(windowOf(a, b));
        }
        const candidateWindow = windowOf(candidateFirst, candidateNow);
        const oldWindow = combine(olds);
        const verdict = judge(candidateWindow, oldWindow, settings.thresholds);
        const elapsed = this.#o.clock.now() - trafficSince;
        if (verdict.outcome === 'fail')
          return { reason: `${candidate.name}: ${verdict.reason}`, badSince: trafficSince };
        const avoided =
          verdict.outcome === 'wait' &&
          starved(candidateWindow, oldWindow, olds.length, settings.thresholds) &&
          elapsed < settings.windowMs * STARVED_WINDOW_FACTOR;
        if (elapsed >= settings.windowMs && avoided && !extended) {
          extended = true;
          this.#log(
            record,
            `${candidate.name}: ${verdict.detail} while the old replicas served ${oldWindow.requests}: the callers may be setting it aside; the analysis goes on, up to ${STARVED_WINDOW_FACTOR}× its window`,
            'warn',
          );
        }
        if (elapsed >= settings.windowMs && !avoided) {
          const detail =
            verdict.outcome === 'pass'
              ? verdict.detail
              : `not enough traffic to judge (${verdict.detail}): judged on readiness, exits and memory only`;
          this.#log(
            record,
            `${candidate.name} passed the analysis: ${detail}`,
            verdict.outcome === 'pass' ? 'event' : 'warn',
          );
          return undefined;
        }
      }
    } finally {
      subscription.dispose();
    }
  }

  async #rollBack(
    process: ProcessSpec,
    record: RolloutRecord,
    settings: RolloutSettings,
    failure: Failure,
    candidate: ReplicaSpec,
    promoted: readonly ReplicaSpec[],
  ): Promise<void> {
    record.phase = 'RollingBack';
    record.reason = failure.reason;
    record.step = `rolling back: taking ${candidate.name} out`;
    this.#log(
      record,
      `rolling back ${process.name} to ${describeVersion(record.from)}: ${failure.reason}`,
      'warn',
    );
    this.#o.endpoints.remove(process.name, candidate.name);
    this.#save(record);
    await this.#delay(settings.propagationMs);
    let outAt = this.#o.clock.now();
    await this.#o.supervisor.removeReplica(candidate.name);
    this.#versions.delete(candidate.name);
    // New replicas already promoted: an old-version replica comes first (surge 1), then the new one goes.
    for (const done of promoted) {
      const replacement = this.#spareSpec(process, record.from);
      record.step = `rolling back: starting ${replacement.name} on ${describeVersion(record.from)} to replace ${done.name}`;
      this.#log(record, record.step);
      this.#versions.set(replacement.name, record.from);
      const machine = this.#o.supervisor.addReplica(process.name, replacement);
      const readiness = await this.#ready(machine, settings.progressDeadlineMs);
      if (readiness !== 'ready') {
        record.phase = 'Failed';
        record.reason = `${failure.reason}; the rollback could not bring ${replacement.name} up (${readiness}): ${done.name} keeps serving ${describeVersion(record.to)}`;
        this.#log(record, record.reason, 'warn');
        await this.#o.supervisor.removeReplica(replacement.name);
        this.#versions.delete(replacement.name);
        return;
      }
      this.#o.endpoints.add(process.name, replacement.name, replacement.port ?? 0);
      this.#o.endpoints.remove(process.name, done.name);
      this.#save(record);
      await this.#delay(settings.propagationMs);
      outAt = this.#o.clock.now();
      await this.#o.supervisor.removeReplica(done.name);
      this.#versions.delete(done.name);
    }
    record.rollbackMs = Math.round(outAt - failure.badSince);
    record.phase = 'RolledBack';
    record.step = 'rolled back';
    this.#o.store.state.versions[process.name] = record.from;
    this.#log(
      record,
      `rollout #${record.id} of ${process.name} rolled back to ${describeVersion(record.from)} ${(record.rollbackMs / 1000).toFixed(1)} s after the first bad signal: ${failure.reason}`,
      'warn',
    );
  }

  /** The lowest replica index of the entry not in use, with `version`'s environment. */
  #spareSpec(process: ProcessSpec, version: Version): ReplicaSpec {
    const used = new Set(this.#o.supervisor.replicasOf(process.name).map(({ spec }) => spec.index));
    const all = [...process.replicas, ...(process.spares ?? [])].sort((a, b) => a.index - b.index);
    const free = all.find((spec) => !used.has(spec.index));
    if (!free) throw new Error(`${process.name}: no free replica index`);
    return withVersion(free, version);
  }

  #versionOf(spec: ReplicaSpec): Version {
    return this.#versions.get(spec.name) ?? BASE_VERSION;
  }

  /** `ready`, or why not: an exit before readiness, or the progress deadline. */
  #ready(machine: ReplicaMachine, deadlineMs: number): Promise<string> {
    return new Promise((resolve) => {
      let lastDetail = '';
      const finish = (result: string) => {
        subscription.dispose();
        timer.cancel();
        resolve(result);
      };
      const subscription = machine.onEvent((event) => {
        if (event.type === 'ready') finish('ready');
        if (event.type === 'exited') {
          finish(
            `exited (${event.signal ? `signal ${event.signal}` : `code ${event.code}`}) before it was ready`,
          );
        }
        if (event.type === 'probe-failed') lastDetail = `${event.kind} probe: ${event.detail}`;
      });
      const timer = this.#o.clock.setTimer(
        () => finish(`not ready within ${deadlineMs} ms${lastDetail ? ` (last: ${lastDetail})` : ''}`),
        deadlineMs,
      );
    });
  }

  async #snapshots(specs: readonly ReplicaSpec[]): Promise<Map<string, MetricsSnapshot>> {
    const result = new Map<string, MetricsSnapshot>();
    await Promise.all(
      specs.map(async (spec) => {
        try {
          result.set(spec.name, parseSnapshot(await this.#scrape(spec)));
        } catch {
          // Counted by the caller as a missing sample.
        }
      }),
    );
    return result;
  }

  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.#o.clock.setTimer(resolve, ms));
  }

  #save(record: RolloutRecord): void {
    if (this.#frozen) return;
    if (this.#o.store.state.active?.id === record.id) this.#o.store.save();
  }

  #log(record: RolloutRecord, message: string, level: 'event' | 'warn' = 'event'): void {
    record.events.push({ at: this.#stamp(), message });
    this.#save(record);
    this.#events.fire({ record, message, level });
  }

  #count(record: RolloutRecord): void {
    const result =
      record.phase === 'Completed' ? 'completed' : record.phase === 'RolledBack' ? 'rolled_back' : 'failed';
    const key = `${record.process}/${result}`;
    this.#results.set(key, (this.#results.get(key) ?? 0) + 1);
  }
}

function lastRollbacks(history: readonly RolloutRecord[]): RolloutRecord[] {
  const seen = new Set<string>();
  return history.filter((r) => {
    if (r.rollbackMs === undefined || seen.has(r.process)) return false;
    seen.add(r.process);
    return true;
  });
}
