import type { Clock, TimerHandle } from '@rebound/resilience';
import { Emitter, type Event } from './internal/event.emitter.ts';
import type { ProbeKind, ProbeSet, ProbeSpec, RestartPolicy } from './topology.types.ts';

/**
 * Where a replica is in its life, named after what `kubectl get pods` shows:
 * - `Pending`: not started yet (waiting for its dependencies to be ready).
 * - `Starting`: running, startup probe not passed yet (liveness and readiness are not probed).
 * - `Running`: startup passed; liveness and readiness are probed.
 * - `Terminating`: SIGTERM sent, SIGKILL follows after the grace period.
 * - `CrashLoopBackOff`: exited (crash, clean exit or killed by a probe), waiting out the back-off to restart.
 * - `Stopped`: stopped on purpose (shutdown); never restarted.
 */
export type ReplicaState =
  | 'Pending'
  | 'Starting'
  | 'Running'
  | 'Terminating'
  | 'CrashLoopBackOff'
  | 'Stopped';

export type KillReason = 'startup' | 'liveness' | 'shutdown';

/** What the machine asks the outside world to do; the I/O layer reports back through the machine's methods. */
export interface ReplicaEffects {
  /** Start a new incarnation; report it with `spawned(pid)` or, when it could not start, `exited(...)`. */
  spawn(): void;
  /** Signal the replica's whole process group (SIGSTOP/SIGCONT only on request: `Supervisor.act`). */
  signal(signal: 'SIGTERM' | 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): void;
  /** Run one probe; report it with `probeResult(kind, incarnation, ok, detail)`. */
  probe(kind: ProbeKind, spec: ProbeSpec, incarnation: number): void;
}

export type ReplicaEvent =
  | { readonly type: 'state'; readonly from: ReplicaState; readonly to: ReplicaState }
  | { readonly type: 'spawned'; readonly pid: number; readonly incarnation: number }
  | { readonly type: 'started-up' }
  | { readonly type: 'ready' }
  | { readonly type: 'not-ready'; readonly detail: string }
  | {
      readonly type: 'probe-failed';
      readonly kind: ProbeKind;
      readonly failures: number;
      readonly threshold: number;
      readonly detail: string;
    }
  | { readonly type: 'killing'; readonly reason: KillReason; readonly signal: 'SIGTERM' | 'SIGKILL' }
  | {
      readonly type: 'exited';
      readonly code: number | null;
      readonly signal: string | null;
      readonly uptimeMs: number;
    }
  | { readonly type: 'restarting'; readonly delayMs: number; readonly restarts: number }
  | { readonly type: 'stopped' };

export interface ReplicaSnapshot {
  readonly state: ReplicaState;
  readonly pid: number | undefined;
  readonly ready: boolean;
  /** How many times the replica was started again after its first start. */
  readonly restarts: number;
  /** Milliseconds since the current incarnation started, when one runs. */
  readonly uptimeMs: number | undefined;
  /** Milliseconds until the next restart, in `CrashLoopBackOff`. */
  readonly restartInMs: number | undefined;
  readonly lastExit: { readonly code: number | null; readonly signal: string | null } | undefined;
}

/**
 * The kubelet's job for one replica as a pure state machine: startup probe gating liveness and
 * readiness, kill on failed liveness (SIGTERM, SIGKILL after a grace period), restart with exponential
 * back-off reset after a long enough run, readiness tracking. Time comes from the injected clock and
 * every side effect goes through `effects`, so unit tests drive it with a fake clock and no processes.
 */
export class ReplicaMachine {
  readonly #clock: Clock;
  readonly #effects: ReplicaEffects;
  readonly #probes: ProbeSet;
  readonly #policy: RestartPolicy;
  readonly #events = new Emitter<ReplicaEvent>();
  readonly #probeTimers = new Map<ProbeKind, TimerHandle>();
  readonly #failures = new Map<ProbeKind, number>();
  #state: ReplicaState = 'Pending';
  #pid: number | undefined;
  #incarnation = 0;
  #restarts = 0;
  #backoffStep = 0;
  #ready = false;
  #readySuccesses = 0;
  #startedAt: number | undefined;
  #restartAt: number | undefined;
  #restartTimer: TimerHandle | undefined;
  #graceTimer: TimerHandle | undefined;
  #stopRequested = false;
  #lastExit: ReplicaSnapshot['lastExit'];

  /** Every transition and decision, in order. */
  readonly onEvent: Event<ReplicaEvent> = this.#events.event;

  constructor(options: {
    readonly clock: Clock;
    readonly effects: ReplicaEffects;
    readonly probes: ProbeSet;
    readonly restart: RestartPolicy;
  }) {
    this.#clock = options.clock;
    this.#effects = options.effects;
    this.#probes = options.probes;
    this.#policy = options.restart;
  }

  get state(): ReplicaState {
    return this.#state;
  }

  get ready(): boolean {
    return this.#ready;
  }

  snapshot(): ReplicaSnapshot {
    const now = this.#clock.now();
    return {
      state: this.#state,
      pid: this.#pid,
      ready: this.#ready,
      restarts: this.#restarts,
      uptimeMs: this.#startedAt === undefined ? undefined : now - this.#startedAt,
      restartInMs: this.#restartAt === undefined ? undefined : Math.max(0, this.#restartAt - now),
      lastExit: this.#lastExit,
    };
  }

  /** Starts the first incarnation; ignored unless the replica is `Pending`. */
  start(): void {
    if (this.#state !== 'Pending' || this.#stopRequested) return;
    this.#launch();
  }

  /** The I/O layer started the process. */
  spawned(pid: number): void {
    if (this.#state !== 'Starting' || this.#pid !== undefined) return;
    this.#pid = pid;
    this.#startedAt = this.#clock.now();
    this.#events.fire({ type: 'spawned', pid, incarnation: this.#incarnation });
    if (this.#stopRequested) {
      this.#kill('shutdown');
      return;
    }
    const startup = this.#probes.startup;
    if (startup) this.#schedule('startup', startup.initialDelayMs);
    else this.#enterRunning();
  }

  /** The process exited (or could not be started at all). */
  exited(code: number | null, signal: string | null): void {
    if (this.#state !== 'Starting' && this.#state !== 'Running' && this.#state !== 'Terminating') return;
    const now = this.#clock.now();
    const uptimeMs = this.#startedAt === undefined ? 0 : now - this.#startedAt;
    this.#clearTimers();
    this.#pid = undefined;
    this.#startedAt = undefined;
    this.#lastExit = { code, signal };
    this.#setReady(false, 'exited');
    this.#events.fire({ type: 'exited', code, signal, uptimeMs });
    if (this.#stopRequested) {
      this.#transition('Stopped');
      this.#events.fire({ type: 'stopped' });
      return;
    }
    if (uptimeMs >= this.#policy.resetAfterMs) this.#backoffStep = 0;
    const delayMs = Math.min(
      this.#policy.initialBackoffMs * 2 ** this.#backoffStep,
      this.#policy.maxBackoffMs,
    );
    this.#backoffStep += 1;
    this.#restartAt = now + delayMs;
    this.#transition('CrashLoopBackOff');
    this.#events.fire({ type: 'restarting', delayMs, restarts: this.#restarts + 1 });
    this.#restartTimer = this.#clock.setTimer(() => {
      this.#restartTimer = undefined;
      this.#restartAt = undefined;
      this.#restarts += 1;
      this.#launch();
    }, delayMs);
  }

  /** The outcome of a probe asked for through `effects.probe`; stale incarnations are ignored. */
  probeResult(kind: ProbeKind, incarnation: number, ok: boolean, detail = ''): void {
    if (incarnation !== this.#incarnation || !this.#probeTimers.has(kind)) return;
    this.#probeTimers.delete(kind);
    const spec = this.#probes[kind];
    const expected = kind === 'startup' ? 'Starting' : 'Running';
    if (!spec || this.#state !== expected) return;
    const failures = ok ? 0 : (this.#failures.get(kind) ?? 0) + 1;
    this.#failures.set(kind, failures);
    if (!ok) {
      this.#events.fire({
        type: 'probe-failed',
        kind,
        failures,
        threshold: spec.failureThreshold,
        detail,
      });
    }
    if (kind === 'startup') {
      if (ok) {
        this.#events.fire({ type: 'started-up' });
        this.#enterRunning();
      } else if (failures >= spec.failureThreshold) this.#kill('startup');
      else this.#schedule(kind, spec.periodMs);
      return;
    }
    if (kind === 'liveness' && failures >= spec.failureThreshold) {
      this.#kill('liveness');
      return;
    }
    if (kind === 'readiness') {
      this.#readySuccesses = ok ? this.#readySuccesses + 1 : 0;
      if (ok && this.#readySuccesses >= spec.successThreshold) this.#setReady(true, '');
      if (!ok && failures >= spec.failureThreshold) this.#setReady(false, detail || 'readiness probe failed');
    }
    this.#schedule(kind, spec.periodMs);
  }

  /** Stops the replica for good: SIGTERM, SIGKILL after the grace period; the `stopped` event follows. */
  stop(): void {
    if (this.#stopRequested) return;
    this.#stopRequested = true;
    switch (this.#state) {
      case 'Pending':
      case 'CrashLoopBackOff':
        this.#clearTimers();
        this.#restartAt = undefined;
        this.#transition('Stopped');
        this.#events.fire({ type: 'stopped' });
        return;
      case 'Starting':
      case 'Running':
        // A replica asked to spawn but not reported yet is killed as soon as `spawned` arrives.
        if (this.#pid !== undefined) this.#kill('shutdown');
        return;
      default:
        return;
    }
  }

  #launch(): void {
    this.#incarnation += 1;
    this.#failures.clear();
    this.#readySuccesses = 0;
    this.#pid = undefined;
    this.#transition('Starting');
    this.#effects.spawn();
  }

  #enterRunning(): void {
    this.#transition('Running');
    const { liveness, readiness } = this.#probes;
    if (liveness) this.#schedule('liveness', liveness.initialDelayMs);
    if (readiness) this.#schedule('readiness', readiness.initialDelayMs);
    else this.#setReady(true, '');
  }

  #schedule(kind: ProbeKind, delayMs: number): void {
    const spec = this.#probes[kind];
    if (!spec) return;
    const incarnation = this.#incarnation;
    // The handle stays in the map while the probe is in flight, so a result is only accepted once.
    const handle = this.#clock.setTimer(() => this.#effects.probe(kind, spec, incarnation), delayMs);
    this.#probeTimers.set(kind, handle);
  }

  #kill(reason: KillReason): void {
    this.#clearTimers();
    this.#setReady(false, reason === 'shutdown' ? 'terminating' : `${reason} probe failed`);
    this.#transition('Terminating');
    this.#events.fire({ type: 'killing', reason, signal: 'SIGTERM' });
    this.#effects.signal('SIGTERM');
    this.#graceTimer = this.#clock.setTimer(() => {
      this.#graceTimer = undefined;
      this.#events.fire({ type: 'killing', reason, signal: 'SIGKILL' });
      this.#effects.signal('SIGKILL');
    }, this.#policy.terminationGraceMs);
  }

  #setReady(ready: boolean, detail: string): void {
    if (this.#ready === ready) return;
    this.#ready = ready;
    this.#events.fire(ready ? { type: 'ready' } : { type: 'not-ready', detail });
  }

  #transition(to: ReplicaState): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.#events.fire({ type: 'state', from, to });
  }

  #clearTimers(): void {
    for (const handle of this.#probeTimers.values()) handle.cancel();
    this.#probeTimers.clear();
    if (this.#graceTimer) this.#graceTimer.cancel();
    this.#graceTimer = undefined;
    if (this.#restartTimer) this.#restartTimer.cancel();
    this.#restartTimer = undefined;
  }
}
