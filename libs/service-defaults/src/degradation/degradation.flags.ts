import type { HealthProbes } from '@rebound/health';
import type { Logger } from '@rebound/observability';
import { type Clock, systemClock, type TimerHandle } from '@rebound/resilience';
import { Gauge, type Registry } from 'prom-client';
import type { DegradationStore, StoredDegradationFlag } from './degradation.store.ts';

/** One switch a service declares (`serve-cached-catalog`), read where the degraded path starts. */
export interface DegradationFlag {
  readonly name: string;
  readonly on: boolean;
  /**
   * Called on every change, awaited before the switch is answered (a consumer that must stop first); returns
   * a function that removes the listener.
   */
  onChange(listener: (on: boolean) => void | Promise<void>): () => void;
}

export interface DegradationFlagState {
  readonly on: boolean;
  readonly description: string;
  /** When it last changed (ISO time), or null if never. */
  readonly since: string | null;
  /** What switched it, as the caller said (`remediation: CatalogUnavailable`). */
  readonly reason: string;
}

export interface DegradationFlagsOptions {
  readonly registry: Registry;
  readonly logger: Logger;
  readonly probes: HealthProbes;
  /** The time written into `since`. */
  readonly stamp?: () => string;
  /**
   * Where the flags outlive this replica and are shared with the service's other replicas (`DEGRADATION_DIR`):
   * read at declaration, written by every switch, re-read every `pollMs` once {@link DegradationFlags.watch}
   * runs. Without it the flags live in the process: a restarted replica starts with every flag off.
   */
  readonly store?: DegradationStore;
  /** How often the store is re-read (1 s, as clients re-read the supervisor's endpoints files). */
  readonly pollMs?: number;
  readonly clock?: Clock;
}

interface Entry {
  state: DegradationFlagState;
  readonly listeners: Set<(on: boolean) => void | Promise<void>>;
}

/**
 * The service's degradation flags: declared by the app's code, switched at `/admin/degradation` (bearer
 * ADMIN_TOKEN) by an operator or the remediation controller, shown as `rebound_degradation_flag{flag}` 0|1 and
 * in the readiness details (a flag on is a chosen state, never a readiness failure), one log line per change.
 * With a store, a switch at one replica reaches the others at their next read of it, and a restarted replica
 * declares its flags as the store holds them, so it serves degraded from its first call.
 */
export class DegradationFlags {
  readonly #o: DegradationFlagsOptions;
  readonly #flags = new Map<string, Entry>();
  readonly #gauge: Gauge<'flag'>;
  readonly #stamp: () => string;
  // Switches and store reads run one at a time: a read that began before a switch never undoes it.
  #serial: Promise<unknown> = Promise.resolve();
  #timer: TimerHandle | undefined;
  #watching = false;
  #lastReadError = '';

  constructor(options: DegradationFlagsOptions) {
    this.#o = options;
    this.#stamp = options.stamp ?? (() => new Date().toISOString());
    this.#gauge = new Gauge({
      name: 'rebound_degradation_flag',
      help: 'Degradation flags of this replica: 1 while on (the degraded path is taken on purpose), 0 off.',
      labelNames: ['flag'] as const,
      registers: [options.registry],
    });
  }

  /** Declares a flag (off); declaring a name twice is a bug and throws. */
  declare(name: string, description: string): DegradationFlag {
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(name))
      throw new Error(`degradation flag '${name}': not a kebab-case name`);
    if (this.#flags.has(name)) throw new Error(`degradation flag '${name}' is declared twice`);
    if (this.#flags.size === 0) {
      this.#o.probes.addCheck('readiness', 'degradation', () => ({ ok: true, detail: this.summary() }));
    }
    let kept: StoredDegradationFlag | undefined;
    try {
      kept = this.#o.store?.readSync(name);
    } catch (error) {
      this.#o.logger.error(
        { flag: name },
        `degradation store: ${(error as Error).message}; ${name} starts off`,
      );
    }
    const entry: Entry = {
      state: { on: kept?.on ?? false, description, since: kept?.since ?? null, reason: kept?.reason ?? '' },
      listeners: new Set(),
    };
    this.#flags.set(name, entry);
    this.#gauge.set({ flag: name }, entry.state.on ? 1 : 0);
    if (kept?.on) {
      this.#o.logger.warn(
        { flag: name, reason: kept.reason, since: kept.since },
        `degradation flag ${name} ON at start, as kept in ${this.#o.store?.where} since ${kept.since}${kept.reason ? ` (${kept.reason})` : ''}`,
      );
    }
    return {
      name,
      get on() {
        return entry.state.on;
      },
      onChange(listener) {
        entry.listeners.add(listener);
        return () => entry.listeners.delete(listener);
      },
    };
  }

  has(name: string): boolean {
    return this.#flags.has(name);
  }

  names(): string[] {
    return [...this.#flags.keys()];
  }

  /** Every flag's state, by name. */
  states(): Record<string, DegradationFlagState> {
    return Object.fromEntries([...this.#flags].map(([name, entry]) => [name, entry.state]));
  }

  /**
   * Switches a flag; a switch to the state it already has changes nothing (no log, no listener). With a store
   * the switch is written there first (unless the store already holds that state), so the other replicas
   * follow. Resolves once every listener of this replica has taken the change.
   */
  set(name: string, on: boolean, reason: string): Promise<DegradationFlagState> {
    const entry = this.#flags.get(name);
    if (!entry)
      return Promise.reject(
        new Error(`no degradation flag '${name}' (declared: ${this.names().join(', ') || 'none'})`),
      );
    return this.#serially(async () => {
      const store = this.#o.store;
      if (store === undefined) return this.#apply(name, entry, { on, since: this.#stamp(), reason });
      // A damaged file is replaced by the switch.
      const kept = await store.read(name).catch(() => undefined);
      if (kept !== undefined && kept.on === on) return this.#apply(name, entry, kept);
      const next = { on, since: this.#stamp(), reason };
      await store.write(name, next);
      return this.#apply(name, entry, next);
    });
  }

  /** Re-reads the store every `pollMs` until {@link stop}; nothing without a store. */
  watch(): void {
    if (this.#o.store === undefined || this.#watching) return;
    this.#watching = true;
    this.#schedule();
  }

  stop(): void {
    this.#watching = false;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** Takes every flag's state from the store now (what each poll does). */
  refresh(): Promise<void> {
    const store = this.#o.store;
    if (store === undefined) return Promise.resolve();
    return this.#serially(async () => {
      for (const [name, entry] of this.#flags) {
        let kept: StoredDegradationFlag | undefined;
        try {
          kept = await store.read(name);
        } catch (error) {
          // One line per new problem, not one per poll.
          const message = (error as Error).message;
          if (message !== this.#lastReadError)
            this.#o.logger.error({ flag: name }, `degradation store: ${message}`);
          this.#lastReadError = message;
          continue;
        }
        await this.#apply(name, entry, kept ?? { on: false, since: entry.state.since, reason: '' });
      }
    });
  }

  #schedule(): void {
    const clock = this.#o.clock ?? systemClock;
    this.#timer = clock.setTimer(async () => {
      if (!this.#watching) return;
      await this.refresh();
      if (this.#watching) this.#schedule();
    }, this.#o.pollMs ?? 1000);
  }

  #serially<T>(step: () => Promise<T>): Promise<T> {
    const next = this.#serial.then(step);
    this.#serial = next.catch(() => undefined);
    return next;
  }

  async #apply(name: string, entry: Entry, next: StoredDegradationFlag): Promise<DegradationFlagState> {
    if (entry.state.on === next.on) return entry.state;
    entry.state = { ...entry.state, on: next.on, since: next.since, reason: next.reason };
    this.#gauge.set({ flag: name }, next.on ? 1 : 0);
    const line = `degradation flag ${name} ${next.on ? 'ON' : 'off'}${next.reason ? ` (${next.reason})` : ''}`;
    if (next.on) this.#o.logger.warn({ flag: name, reason: next.reason }, line);
    else this.#o.logger.info({ flag: name, reason: next.reason }, line);
    await Promise.all([...entry.listeners].map(async (listener) => listener(next.on)));
    return entry.state;
  }

  /** `serve-cached-catalog on since …` for the readiness details; `none on` when every flag is off. */
  summary(): string {
    const on = [...this.#flags].filter(([, entry]) => entry.state.on);
    if (on.length === 0) return `none on (${this.names().join(', ')} off)`;
    return on.map(([name, entry]) => `${name} on since ${entry.state.since}`).join('; ');
  }
}
