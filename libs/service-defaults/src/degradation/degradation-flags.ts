import type { HealthProbes } from '@rebound/health';
import type { Logger } from '@rebound/observability';
import { Gauge, type Registry } from 'prom-client';

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
}

interface Entry {
  state: DegradationFlagState;
  readonly listeners: Set<(on: boolean) => void | Promise<void>>;
}

/**
 * The service's degradation flags: declared by the app's code, switched at `/admin/degradation` (bearer
 * ADMIN_TOKEN) by an operator or the remediation controller, shown as `rebound_degradation_flag{flag}` 0|1 and
 * in the readiness details (a flag on is a chosen state, never a readiness failure), one log line per change.
 * Flags live in the process: a restarted replica starts with every flag off.
 */
export class DegradationFlags {
  readonly #o: DegradationFlagsOptions;
  readonly #flags = new Map<string, Entry>();
  readonly #gauge: Gauge<'flag'>;
  readonly #stamp: () => string;

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
    const entry: Entry = { state: { on: false, description, since: null, reason: '' }, listeners: new Set() };
    this.#flags.set(name, entry);
    this.#gauge.set({ flag: name }, 0);
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
   * Switches a flag; a switch to the state it already has changes nothing (no log, no listener). Resolves
   * once every listener has taken the change.
   */
  async set(name: string, on: boolean, reason: string): Promise<DegradationFlagState> {
    const entry = this.#flags.get(name);
    if (!entry)
      throw new Error(`no degradation flag '${name}' (declared: ${this.names().join(', ') || 'none'})`);
    if (entry.state.on === on) return entry.state;
    entry.state = { ...entry.state, on, since: this.#stamp(), reason };
    this.#gauge.set({ flag: name }, on ? 1 : 0);
    const line = `degradation flag ${name} ${on ? 'ON' : 'off'}${reason ? ` (${reason})` : ''}`;
    if (on) this.#o.logger.warn({ flag: name, reason }, line);
    else this.#o.logger.info({ flag: name, reason }, line);
    await Promise.all([...entry.listeners].map(async (listener) => listener(on)));
    return entry.state;
  }

  /** `serve-cached-catalog on since …` for the readiness details; `none on` when every flag is off. */
  summary(): string {
    const on = [...this.#flags].filter(([, entry]) => entry.state.on);
    if (on.length === 0) return `none on (${this.names().join(', ')} off)`;
    return on.map(([name, entry]) => `${name} on since ${entry.state.since}`).join('; ');
  }
}
