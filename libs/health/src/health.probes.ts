import { type Clock, keepAliveClock } from '@rebound/resilience';
import { DEFAULT_CHECK_TIMEOUT_MS } from './constants.ts';
import { TIMED_OUT, within } from './timing.util.ts';

/**
 * - `startup`: has the process finished starting (migrations, warm caches)? Until then liveness is not probed.
 * - `liveness`: is the process itself healthy? Process-local checks only, never dependencies: a database
 *   outage must not make every replica restart.
 * - `readiness`: should traffic be sent here now? Dependencies, overload and draining.
 */
export type ProbeKind = 'startup' | 'liveness' | 'readiness';

export interface CheckResult {
  readonly ok: boolean;
  /** Why it failed (or a short status); shown by `?verbose`. */
  readonly detail?: string;
}

/** A named check. Returning `false`, throwing, or not answering within the timeout all count as failed. */
export type HealthCheck = () => boolean | CheckResult | Promise<boolean | CheckResult>;

export interface CheckOptions {
  /** Default: the probes' `checkTimeoutMs`. */
  readonly timeoutMs?: number;
}

export interface CheckReport extends CheckResult {
  readonly name: string;
}

export interface ProbeReport {
  readonly kind: ProbeKind;
  readonly ok: boolean;
  readonly checks: readonly CheckReport[];
}

/** A check whose state is pushed rather than pulled, e.g. a transport's status or an overload signal. */
export interface HealthFlag {
  set(ok: boolean, detail?: string): void;
  readonly ok: boolean;
  /** Removes the check. */
  remove(): void;
}

export interface HealthProbesOptions {
  readonly checkTimeoutMs?: number;
  readonly clock?: Clock;
}

interface Registered {
  readonly name: string;
  readonly check: HealthCheck;
  readonly timeoutMs: number;
}

/**
 * The three probes and their named checks. Built in: `started` (startup and readiness, see
 * {@link HealthProbes.markStarted}) and `draining` (readiness, see {@link HealthProbes.setDraining}).
 */
export class HealthProbes {
  readonly #checks: Record<ProbeKind, Registered[]> = { startup: [], liveness: [], readiness: [] };
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  #started = false;
  #draining = false;

  constructor(options: HealthProbesOptions = {}) {
    this.#timeoutMs = options.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
    this.#clock = options.clock ?? keepAliveClock;
    const started = (): CheckResult => (this.#started ? { ok: true } : { ok: false, detail: 'starting' });
    this.addCheck('startup', 'started', started);
    this.addCheck('readiness', 'started', started);
    this.addCheck('readiness', 'draining', () =>
      this.#draining ? { ok: false, detail: 'shutting down' } : { ok: true },
    );
  }

  /** Adds a named check to one probe; returns a function that removes it. Names are unique per probe. */
  addCheck(kind: ProbeKind, name: string, check: HealthCheck, options: CheckOptions = {}): () => void {
    const list = this.#checks[kind];
    if (list.some((entry) => entry.name === name)) {
      throw new Error(`a ${kind} check named '${name}' is already registered`);
    }
    const entry: Registered = { name, check, timeoutMs: options.timeoutMs ?? this.#timeoutMs };
    list.push(entry);
    return () => {
      const index = list.indexOf(entry);
      if (index >= 0) list.splice(index, 1);
    };
  }

  /** A pushed check (starts as `initial`), for state that others observe: `flag.set(false, 'overloaded')`. */
  flag(kind: ProbeKind, name: string, initial = false, detail?: string): HealthFlag {
    let state: CheckResult = detail === undefined ? { ok: initial } : { ok: initial, detail };
    const remove = this.addCheck(kind, name, () => state);
    return {
      set: (ok, why) => {
        state = why === undefined ? { ok } : { ok, detail: why };
      },
      get ok() {
        return state.ok;
      },
      remove,
    };
  }

  /** Startup is complete: `/startupz` turns 200 and readiness may follow. */
  markStarted(): void {
    this.#started = true;
  }

  get started(): boolean {
    return this.#started;
  }

  /** Readiness turns false for good; called by the shutdown coordinator first thing. */
  setDraining(): void {
    this.#draining = true;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Runs every check of one probe concurrently, each bounded by its timeout. */
  async evaluate(kind: ProbeKind): Promise<ProbeReport> {
    const checks = await Promise.all(this.#checks[kind].map((entry) => this.#run(entry)));
    return { kind, ok: checks.every((check) => check.ok), checks };
  }

  async #run(entry: Registered): Promise<CheckReport> {
    try {
      const outcome = await within(Promise.resolve().then(entry.check), entry.timeoutMs, this.#clock);
      if (outcome === TIMED_OUT)
        return { name: entry.name, ok: false, detail: `timed out after ${entry.timeoutMs} ms` };
      if (typeof outcome === 'boolean') return { name: entry.name, ok: outcome };
      return outcome.detail === undefined
        ? { name: entry.name, ok: outcome.ok }
        : { name: entry.name, ok: outcome.ok, detail: outcome.detail };
    } catch (error) {
      return { name: entry.name, ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }
}
