import { status } from '@grpc/grpc-js';
import { type FaultInjectionPolicy, faultInjection, type Random, systemRandom } from '@rebound/resilience';
import { RpcError } from '../common/status.error.ts';

/**
 * The per-call faults of a server or an HTTP edge (what `FaultInjector` of service-defaults hands its transport):
 * injected before a handler runs; all off by default, switchable at run time.
 */
export interface CallFaultSettings {
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
 * The per-call fault hooks of a server, on `@rebound/resilience`'s fault-injection policy (`policy`, whose
 * `onFault` metrics can bind to): `configure({ errorRate: 1 })` makes every call fail, `configure({})` heals.
 * The admin endpoint that drives it belongs to service-defaults.
 */
export class ServerFaults {
  readonly policy: FaultInjectionPolicy;
  #config: CallFaultSettings = {};
  #methods: readonly string[] | undefined;
  #enabled = false;

  constructor(random: Random = systemRandom) {
    this.policy = faultInjection({ random });
  }

  get config(): CallFaultSettings {
    return this.#config;
  }

  configure(config: CallFaultSettings): void {
    const latencyMs = config.latencyMs ?? 0;
    const hang = config.hang === true;
    const errorRate = hang ? 0 : (config.errorRate ?? 0);
    const code = config.errorCode ?? status.UNAVAILABLE;
    this.#enabled = latencyMs > 0 || errorRate > 0 || hang;
    this.policy.reset().set({
      enabled: this.#enabled,
      latency: { rate: latencyMs > 0 ? 1 : 0, ms: latencyMs },
      error: { rate: errorRate, error: () => new RpcError(code, 'injected fault') },
      hang: { rate: hang ? 1 : 0 },
    });
    this.#config = config;
    this.#methods = config.methods;
  }

  /** Whether a fault is switched on for the method at `path`. */
  applies(path: string): boolean {
    if (!this.#enabled) return false;
    const methods = this.#methods;
    if (methods === undefined) return true;
    return methods.includes(path) || methods.includes(path.slice(path.lastIndexOf('/') + 1));
  }
}
