import { type Clock, keepAliveClock } from '@rebound/resilience';
import { Emitter, type Event } from './internal/event.emitter.ts';
import { ProcessDriver } from './process.driver.ts';
import { type ReplicaEffects, type ReplicaEvent, ReplicaMachine } from './replica.machine.ts';
import type { StatusReport, StatusRow } from './status.types.ts';
import type { ProcessSpec, ReplicaSpec } from './topology.types.ts';

/**
 * What an operator (the scenario runner, the console) may do to one replica through the control server:
 * `kill` (SIGKILL), `freeze` (SIGSTOP: the process stays, answers nothing, until liveness kills it or `thaw`),
 * `thaw` (SIGCONT), `restart` (SIGTERM: a graceful exit the supervisor restarts like any other).
 */
export const REPLICA_ACTIONS = ['kill', 'freeze', 'thaw', 'restart'] as const;
export type ReplicaAction = (typeof REPLICA_ACTIONS)[number];

const ACTION_SIGNAL = {
  kill: 'SIGKILL',
  freeze: 'SIGSTOP',
  thaw: 'SIGCONT',
  restart: 'SIGTERM',
} as const satisfies Record<ReplicaAction, string>;

/** A replica's event, tagged with who emitted it. */
export interface SupervisorEvent {
  readonly replica: ReplicaSpec;
  readonly event: ReplicaEvent;
}

/** The I/O a supervisor needs for one replica; the default spawns real processes. */
export type DriverFactory = (
  replica: ReplicaSpec,
  onLine: (line: string) => void,
  onError: (message: string) => void,
) => ReplicaEffects & { attach(machine: ReplicaMachine): void; leftoverGroups(): number[] };

export interface SupervisorOptions {
  readonly processes: readonly ProcessSpec[];
  readonly clock?: Clock;
  readonly createDriver?: DriverFactory;
  /** Each line a child writes. */
  readonly onLine?: (replica: string, line: string) => void;
  /** A replica that could not be spawned at all. */
  readonly onError?: (message: string) => void;
}

interface Managed {
  readonly spec: ReplicaSpec;
  readonly machine: ReplicaMachine;
  readonly driver: ReturnType<DriverFactory>;
}

/**
 * Runs a topology: starts each process entry once each of its dependencies has a ready replica, supervises every
 * replica through its `ReplicaMachine`, reports status, and stops everything in reverse dependency order.
 */
export class Supervisor {
  readonly #clock: Clock;
  readonly #present: readonly ProcessSpec[];
  readonly #coming: readonly ProcessSpec[];
  readonly #managed = new Map<string, Managed[]>();
  readonly #events = new Emitter<SupervisorEvent>();
  readonly #allReady = new Emitter<void>();
  readonly #startedAt: number;
  readonly #createDriver: (spec: ReplicaSpec) => ReturnType<DriverFactory>;
  /** Drivers of replicas removed at run time: their groups are still checked and killed at exit. */
  readonly #retired: ReturnType<DriverFactory>[] = [];
  #started = new Set<string>();
  #stopping = false;
  #allReadyFired = false;

  /** Every event of every replica. */
  readonly onEvent: Event<SupervisorEvent> = this.#events.event;
  /** Fires once, the first time every replica of every present process is ready. */
  readonly onAllReady: Event<void> = this.#allReady.event;

  constructor(options: SupervisorOptions) {
    this.#clock = options.clock ?? keepAliveClock;
    this.#startedAt = this.#clock.now();
    this.#present = orderByDependencies(options.processes.filter((p) => p.availability.present));
    this.#coming = options.processes.filter((p) => !p.availability.present);
    const createDriver =
      options.createDriver ?? ((spec, onLine, onError) => new ProcessDriver(spec, onLine, onError));
    this.#createDriver = (spec) =>
      createDriver(
        spec,
        (line) => options.onLine?.(spec.name, line),
        (message) => options.onError?.(message),
      );
    for (const process of this.#present) {
      const managed = process.replicas.map((spec) => this.#manage(process, spec));
      this.#managed.set(process.name, managed);
    }
  }

  /** Process entries that were skipped because they are not built or not there yet. */
  get coming(): readonly ProcessSpec[] {
    return this.#coming;
  }

  /**
   * Starts every process entry whose dependencies serve (at least one ready replica each; entries that
   * are coming do not count). Called again on every readiness change until everything has started.
   */
  start(): void {
    if (this.#stopping) return;
    for (const process of this.#present) {
      if (this.#started.has(process.name)) continue;
      const waiting = process.dependsOn.filter((dependency) => !this.#isServing(dependency));
      if (waiting.length > 0) continue;
      this.#started.add(process.name);
      for (const { machine } of this.#managed.get(process.name) ?? []) machine.start();
    }
  }

  /**
   * Stops every replica, dependents before their dependencies (SIGTERM, SIGKILL after the grace period),
   * and resolves with the process groups still alive afterwards (an empty list when all are gone).
   */
  async stop(): Promise<number[]> {
    this.#stopping = true;
    for (const process of [...this.#present].reverse()) {
      const managed = this.#managed.get(process.name) ?? [];
      await Promise.all(managed.map(({ machine }) => stopped(machine)));
    }
    return [...[...this.#managed.values()].flat().map(({ driver }) => driver), ...this.#retired].flatMap(
      (driver) => driver.leftoverGroups(),
    );
  }

  /**
   * Last resort for when the supervisor itself goes down (an exit without `stop()`): SIGKILLs every
   * process group it started, synchronously, so no child outlives it.
   */
  killAllNow(): void {
    for (const driver of [...[...this.#managed.values()].flat().map((m) => m.driver), ...this.#retired]) {
      for (const pgid of driver.leftoverGroups()) {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
    }
  }

  /** Whether replica `name` (`gateway-1`) is ready now: what a front balances on. */
  replicaReady(name: string): boolean {
    for (const managed of this.#managed.values()) {
      for (const { spec, machine } of managed) if (spec.name === name) return machine.ready;
    }
    return false;
  }

  /**
   * Signals replica `name` (`catalog-1`) on an operator's request; the replica machine reacts as to any other
   * exit or stall. Returns the pid signalled, or an error line (unknown replica, nothing running).
   */
  act(name: string, action: ReplicaAction): { pid: number } | { error: string } {
    for (const managed of this.#managed.values()) {
      for (const { spec, machine, driver } of managed) {
        if (spec.name !== name) continue;
        const pid = machine.snapshot().pid;
        if (pid === undefined) return { error: `${name} has no running process (${machine.state})` };
        driver.signal(ACTION_SIGNAL[action]);
        return { pid };
      }
    }
    return { error: `no replica named '${name}'` };
  }

  status(): StatusReport {
    const rows: StatusRow[] = [];
    for (const process of this.#present) {
      for (const { spec, machine } of this.#managed.get(process.name) ?? []) {
        const snapshot = machine.snapshot();
        const waitingFor = this.#started.has(process.name)
          ? []
          : process.dependsOn.filter((dependency) => !this.#isServing(dependency));
        rows.push({
          name: spec.name,
          process: process.name,
          replica: spec.index,
          ...snapshot,
          port: spec.port,
          adminPort: spec.adminPort,
          detail: waitingFor.length > 0 ? `waiting for ${waitingFor.join(', ')}` : '',
        });
      }
    }
    for (const process of this.#coming) {
      rows.push({
        name: process.name,
        process: process.name,
        replica: 0,
        state: 'Coming',
        pid: undefined,
        ready: false,
        restarts: 0,
        uptimeMs: undefined,
        restartInMs: undefined,
        lastExit: undefined,
        port: undefined,
        adminPort: undefined,
        detail: process.availability.present ? '' : process.availability.reason,
      });
    }
    const urls = this.#present.flatMap((p) => (p.url ? [{ name: p.name, url: p.url }] : []));
    return { uptimeMs: this.#clock.now() - this.#startedAt, allReady: this.#everyReady(), urls, rows };
  }

  // --- rollouts (src/rollout.controller.ts): replicas added and retired while running ---------------------

  /** A replica's driver and state machine, wired to each other and to the supervisor's events; not started. */
  #manage(process: ProcessSpec, spec: ReplicaSpec): Managed {
    const driver = this.#createDriver(spec);
    const machine = new ReplicaMachine({
      clock: this.#clock,
      effects: driver,
      probes: spec.probes,
      restart: process.restart,
    });
    driver.attach(machine);
    machine.onEvent((event) => this.#onReplicaEvent(spec, event));
    return { spec, machine, driver };
  }

  /** Starts a replica of a running entry that the topology did not list (a rollout's surge replica). */
  addReplica(processName: string, spec: ReplicaSpec): ReplicaMachine {
    const process = this.#present.find((p) => p.name === processName);
    const managed = this.#managed.get(processName);
    if (!process || !managed) throw new Error(`no running entry '${processName}'`);
    if (this.#stopping) throw new Error('the supervisor is stopping');
    const entry = this.#manage(process, spec);
    managed.push(entry);
    const { machine } = entry;
    machine.start();
    return machine;
  }

  /** Stops a replica for good (SIGTERM, SIGKILL after the grace period) and forgets it. */
  async removeReplica(name: string): Promise<void> {
    for (const managed of this.#managed.values()) {
      const at = managed.findIndex(({ spec }) => spec.name === name);
      if (at < 0) continue;
      const [{ machine, driver }] = managed.splice(at, 1) as [Managed];
      this.#retired.push(driver);
      await stopped(machine);
      return;
    }
  }

  /** The replicas of an entry as they run now, with their machines. */
  replicasOf(processName: string): readonly { spec: ReplicaSpec; machine: ReplicaMachine }[] {
    return this.#managed.get(processName) ?? [];
  }

  // --- end of rollouts ------------------------------------------------------------------------------------

  #onReplicaEvent(spec: ReplicaSpec, event: ReplicaEvent): void {
    this.#events.fire({ replica: spec, event });
    if (event.type !== 'ready' || this.#stopping) return;
    this.start();
    if (!this.#allReadyFired && this.#everyReady()) {
      this.#allReadyFired = true;
      this.#allReady.fire();
    }
  }

  /** A dependency serves once one replica is ready: clients balance over replicas and skip the others. */
  #isServing(processName: string): boolean {
    const managed = this.#managed.get(processName);
    // A dependency that is coming (not built yet) does not hold its dependents back.
    if (!managed) return true;
    return managed.some(({ machine }) => machine.ready);
  }

  #isReady(processName: string): boolean {
    const managed = this.#managed.get(processName);
    // A dependency that is coming (not built yet) does not hold its dependents back.
    if (!managed) return true;
    return managed.every(({ machine }) => machine.ready);
  }

  #everyReady(): boolean {
    return this.#present.every((process) => this.#isReady(process.name));
  }
}

function stopped(machine: ReplicaMachine): Promise<void> {
  return new Promise((resolve) => {
    if (machine.state === 'Stopped') return resolve();
    const subscription = machine.onEvent((event) => {
      if (event.type !== 'stopped') return;
      subscription.dispose();
      resolve();
    });
    machine.stop();
  });
}

/** Dependencies first (a stable topological order); a cycle or an unknown present dependency is an error. */
export function orderByDependencies(processes: readonly ProcessSpec[]): ProcessSpec[] {
  const byName = new Map(processes.map((p) => [p.name, p]));
  const ordered: ProcessSpec[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (process: ProcessSpec, path: readonly string[]) => {
    const seen = state.get(process.name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new Error(`dependency cycle: ${[...path, process.name].join(' -> ')}`);
    state.set(process.name, 'visiting');
    for (const dependency of process.dependsOn) {
      const target = byName.get(dependency);
      if (target) visit(target, [...path, process.name]);
    }
    state.set(process.name, 'done');
    ordered.push(process);
  };
  for (const process of processes) visit(process, []);
  return ordered;
}
