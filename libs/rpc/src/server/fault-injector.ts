import { status } from '@grpc/grpc-js';
import { type Random, systemRandom } from '@rebound/resilience';
import { RpcError } from '../common/status.ts';

/** Faults injected before a handler runs; all off by default, switchable at run time. */
export interface FaultConfig {
  /** Added latency before the handler, in ms (cut short by the deadline). */
  readonly latencyMs?: number;
  /** Share of calls (0..1) failed with `errorCode` instead of running the handler. */
  readonly errorRate?: number;
  readonly errorCode?: status;
  /** Calls never answer: they wait until the deadline or the client's cancel cuts them. */
  readonly hang?: boolean;
  /** Restrict the faults to these methods (full path or bare name, e.g. `GetProduct`); all when absent. */
  readonly methods?: readonly string[];
}

/**
 * Run-time fault hooks for a server: `configure({ errorRate: 1 })` makes every call fail, `configure({})` heals.
 * The admin endpoint that drives it belongs to service-defaults.
 */
export class FaultInjector {
  #config: FaultConfig = {};
  #active = false;
  readonly #random: Random;

  constructor(random: Random = systemRandom) {
    this.#random = random;
  }

  get config(): FaultConfig {
    return this.#config;
  }

  configure(config: FaultConfig): void {
    this.#config = config;
    this.#active = (config.latencyMs ?? 0) > 0 || (config.errorRate ?? 0) > 0 || config.hang === true;
  }

  /** Undefined when no fault applies (the fast path); otherwise a promise that injects it. */
  before(path: string, signal: AbortSignal): Promise<void> | undefined {
    if (!this.#active) return undefined;
    const config = this.#config;
    if (config.methods !== undefined) {
      const name = path.slice(path.lastIndexOf('/') + 1);
      if (!config.methods.includes(path) && !config.methods.includes(name)) return undefined;
    }
    return this.#inject(config, signal);
  }

  async #inject(config: FaultConfig, signal: AbortSignal): Promise<void> {
    if (config.hang === true) {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      throw new RpcError(status.CANCELLED, 'injected hang cut');
    }
    if ((config.latencyMs ?? 0) > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, config.latencyMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if ((config.errorRate ?? 0) > 0 && this.#random.next() < (config.errorRate ?? 0)) {
      throw new RpcError(config.errorCode ?? status.UNAVAILABLE, 'injected fault');
    }
  }
}
