import { type ClusterState, type InstanceStatus, synchronousName } from '@rebound/postgres-dev';
import type { Clock, TimerHandle } from '@rebound/resilience';

/** What the failover controller does to the world; `postgres.cluster.ts` implements it. */
export interface FailoverEffects {
  /** `GET /status` of an instance's admin port; undefined when it does not answer in time. */
  status(instance: string): Promise<InstanceStatus | undefined>;
  /** Written durably before anything acts on it: instances read it when they start and while they run. */
  writeState(state: ClusterState): Promise<void>;
  /** Stops an instance at once (SIGKILL to its process group, frozen or not). */
  fence(instance: string): void;
  promote(instance: string): Promise<void>;
  setSynchronous(primary: string, standby: string | null): Promise<void>;
  /** Points the read-write endpoint at an instance, or at nothing; cuts the connections it had. */
  route(instance: string | undefined): void;
  log(level: 'event' | 'warn', line: string): void;
}

export interface FailoverOptions {
  readonly clock: Clock;
  readonly effects: FailoverEffects;
  readonly state: ClusterState;
  /** How often every instance is probed. */
  readonly periodMs?: number;
  /** A primary not answering for this long is lost (CloudNativePG: the liveness/readiness deadline). */
  readonly failoverAfterMs?: number;
  /** A synchronous standby not streaming for this long is dropped from `synchronous_standby_names`. */
  readonly standbyLostAfterMs?: number;
}

export const FAILOVER_DEFAULTS = { periodMs: 500, failoverAfterMs: 3_000, standbyLostAfterMs: 3_000 };

interface Seen {
  lastOkAt: number | undefined;
  status: InstanceStatus | undefined;
  exitedAt: number | undefined;
}

/**
 * CloudNativePG's failover, run by the local supervisor: it probes every instance, and when the primary is lost
 * (its process exited, or it answered no probe for `failoverAfterMs`) and the synchronous standby is healthy, it
 * writes the new primary (and a new generation) to the cluster state, fences the old primary (SIGKILL: it is never
 * restarted as a primary, its instance manager rebuilds it as a standby from a fresh base backup), promotes the
 * standby and points the read-write endpoint at it. Only the synchronous standby is promoted: it holds every
 * acknowledged commit. Without one (none named, or gone too) it does not fail over and says so: the cluster has
 * no writable primary until the old one is back, which keeps every acknowledged write instead of guessing.
 * While the primary is healthy it names a streaming standby in `synchronous_standby_names` once it has caught up,
 * and drops it when it stops streaming (the primary then writes alone, and says so), like CloudNativePG's
 * `dataDurability: preferred`.
 */
export class PostgresFailover {
  readonly #clock: Clock;
  readonly #effects: FailoverEffects;
  readonly #periodMs: number;
  readonly #failoverAfterMs: number;
  readonly #standbyLostAfterMs: number;
  readonly #seen = new Map<string, Seen>();
  #state: ClusterState;
  #timer: TimerHandle | undefined;
  #busy = false;
  #stopped = false;
  #saidNoFailover = false;
  #standbyMissingSince: number | undefined;
  #failovers = 0;
  #lastFailoverMs: number | undefined;

  constructor(options: FailoverOptions) {
    this.#clock = options.clock;
    this.#effects = options.effects;
    this.#state = options.state;
    this.#periodMs = options.periodMs ?? FAILOVER_DEFAULTS.periodMs;
    this.#failoverAfterMs = options.failoverAfterMs ?? FAILOVER_DEFAULTS.failoverAfterMs;
    this.#standbyLostAfterMs = options.standbyLostAfterMs ?? FAILOVER_DEFAULTS.standbyLostAfterMs;
    for (const name of Object.keys(this.#state.instances)) {
      this.#seen.set(name, { lastOkAt: undefined, status: undefined, exitedAt: undefined });
    }
  }

  get state(): ClusterState {
    return this.#state;
  }

  get failovers(): number {
    return this.#failovers;
  }

  /** Milliseconds from detecting the loss to the endpoint following the new primary, at the last failover. */
  get lastFailoverMs(): number | undefined {
    return this.#lastFailoverMs;
  }

  /** The last status each instance answered (for metrics). */
  statusOf(instance: string): InstanceStatus | undefined {
    return this.#seen.get(instance)?.status;
  }

  start(): void {
    this.#effects.route(this.#state.primary);
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) this.#timer.cancel();
  }

  /**
   * Takes over the state a restore wrote (a new primary and generation, no synchronous standby) and starts
   * probing afresh: what it knew of the instances before the restore says nothing of the restored ones.
   */
  adopt(state: ClusterState): void {
    this.stop();
    this.#state = state;
    this.#seen.clear();
    for (const name of Object.keys(state.instances)) {
      this.#seen.set(name, { lastOkAt: undefined, status: undefined, exitedAt: undefined });
    }
    this.#saidNoFailover = false;
    this.#standbyMissingSince = undefined;
    this.#stopped = false;
    this.start();
  }

  /** The supervisor saw the instance's process exit: for a primary, a loss known at once. */
  exited(instance: string): void {
    const seen = this.#seen.get(instance);
    if (!seen) return;
    seen.exitedAt = this.#clock.now();
    seen.status = undefined;
    if (instance === this.#state.primary) this.#schedule(0);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    if (this.#timer) this.#timer.cancel();
    this.#timer = this.#clock.setTimer(() => void this.tick(), delayMs);
  }

  /** One round: probe every instance, then decide. Exposed for tests under a fake clock. */
  async tick(): Promise<void> {
    if (this.#busy || this.#stopped) return;
    this.#busy = true;
    try {
      const names = [...this.#seen.keys()];
      const answers = await Promise.all(names.map((name) => this.#effects.status(name)));
      const now = this.#clock.now();
      names.forEach((name, i) => {
        const seen = this.#seen.get(name) as Seen;
        const status = answers[i];
        seen.status = status;
        if (status) {
          seen.lastOkAt = now;
          seen.exitedAt = undefined;
        }
      });
      await this.#decide(now);
    } catch (error) {
      this.#effects.log('warn', `postgres failover: ${(error as Error).message}; trying again`);
    } finally {
      this.#busy = false;
      this.#schedule(this.#periodMs);
    }
  }

  #lost(name: string, now: number): string | undefined {
    const seen = this.#seen.get(name);
    if (!seen || seen.lastOkAt === undefined) return undefined; // never up yet: starting, not lost
    if (seen.exitedAt !== undefined && seen.status === undefined) return 'its process exited';
    if (now - seen.lastOkAt >= this.#failoverAfterMs) {
      return `no answer for ${Math.round(now - seen.lastOkAt)} ms`;
    }
    return undefined;
  }

  async #decide(now: number): Promise<void> {
    const primary = this.#state.primary;
    const lost = this.#lost(primary, now);
    if (lost) return this.#failover(primary, lost, now);
    this.#saidNoFailover = false;
    const status = this.#seen.get(primary)?.status;
    if (!status) return;
    if (status.role === 'standby') {
      // Chosen at a failover whose promotion did not finish: finish it.
      await this.#effects.promote(primary);
      this.#effects.route(primary);
      return;
    }
    const streaming = status.replicas.filter((r) => r.state === 'streaming').map((r) => r.name);
    const synchronous = this.#state.synchronousStandby;
    if (synchronous === null) {
      const candidate = streaming.find((name) => name !== primary && this.#seen.has(name));
      if (!candidate) return;
      await this.#effects.setSynchronous(primary, candidate);
      await this.#write({ ...this.#state, synchronousStandby: candidate });
      this.#effects.log(
        'event',
        `postgres: ${candidate} is the synchronous standby of ${primary}: every commit is on both`,
      );
      return;
    }
    if (status.synchronousStandbyNames !== synchronousName(synchronous)) {
      // The primary does not wait for the standby the state names (it restarted with another setting): commits
      // may have been acknowledged without it, so it is no candidate until it is made synchronous again.
      await this.#write({ ...this.#state, synchronousStandby: null });
      this.#effects.log(
        'warn',
        `postgres: ${primary} was not waiting for ${synchronous} (synchronous_standby_names '${status.synchronousStandbyNames}'): naming it again`,
      );
      return;
    }
    if (streaming.includes(synchronous)) {
      this.#standbyMissingSince = undefined;
      return;
    }
    this.#standbyMissingSince ??= now;
    const missingMs = now - this.#standbyMissingSince;
    if (missingMs < this.#standbyLostAfterMs) return;
    // Recorded first: from the moment the primary stops waiting for it, this standby may miss commits and must
    // never be promoted.
    await this.#write({ ...this.#state, synchronousStandby: null });
    await this.#effects.setSynchronous(primary, null);
    this.#standbyMissingSince = undefined;
    this.#effects.log(
      'warn',
      `postgres: ${synchronous} not streaming for ${Math.round(missingMs)} ms: ` +
        `${primary} writes alone (one copy) until a standby streams again`,
    );
  }

  async #failover(primary: string, reason: string, detectedAt: number): Promise<void> {
    const candidate = this.#state.synchronousStandby;
    const healthy =
      candidate !== null &&
      this.#seen.get(candidate)?.status?.role === 'standby' &&
      this.#lost(candidate, detectedAt) === undefined;
    if (!candidate || !healthy) {
      if (!this.#saidNoFailover) {
        this.#saidNoFailover = true;
        this.#effects.log(
          'warn',
          `postgres: primary ${primary} lost (${reason}) and ${candidate ? `its synchronous standby ${candidate} is gone too` : 'no synchronous standby holds every commit'}: ` +
            `no failover; no writes until ${primary} is back (promoting another copy could lose acknowledged commits)`,
        );
      }
      return;
    }
    const generation = this.#state.generation + 1;
    await this.#write({ ...this.#state, primary: candidate, generation, synchronousStandby: null });
    this.#effects.route(undefined);
    this.#effects.fence(primary);
    this.#effects.log(
      'warn',
      `postgres: primary ${primary} lost (${reason}): fenced it, promoting ${candidate} (generation ${generation})`,
    );
    await this.#effects.promote(candidate);
    this.#effects.route(candidate);
    this.#failovers += 1;
    this.#lastFailoverMs = this.#clock.now() - detectedAt;
    this.#effects.log(
      'event',
      `postgres: ${candidate} is the primary, the read-write endpoint follows it (${Math.round(this.#lastFailoverMs)} ms after the loss); ` +
        `${primary} comes back as its standby from a fresh base backup`,
    );
  }

  async #write(state: ClusterState): Promise<void> {
    await this.#effects.writeState(state);
    this.#state = state;
  }
}
