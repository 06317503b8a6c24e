import type { CallFaultSettings } from '@rebound/service-defaults';
import { status } from '@rebound/service-defaults';
import { HttpError } from './http.error.ts';

/** HTTP answers for the gRPC codes a fault can be set to inject. */
const STATUS_OF: Readonly<Record<number, number>> = {
  [status.UNAVAILABLE]: 503,
  [status.RESOURCE_EXHAUSTED]: 503,
  [status.INTERNAL]: 500,
  [status.DEADLINE_EXCEEDED]: 504,
  [status.ABORTED]: 409,
};

/**
 * The per-request faults of the gateway (latency, errors, hang), switched at run time through
 * `POST /admin/faults` on the admin port (service-defaults' FaultInjector owns the settings and the
 * process-wide faults: leak, CPU burn, crash). Applied to `/api/*` after the edge admitted the request.
 */
export class HttpFaults {
  #config: CallFaultSettings = {};
  readonly #hung = new Set<() => void>();
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /** Where the FaultInjector hands its per-call settings. */
  readonly configure = (config: CallFaultSettings): void => {
    this.#config = config;
    if (!config.hang) this.releaseHung();
  };

  /** Resolves when the request may go on, rejects with the injected error; never resolves while hanging. */
  async apply(closed: Promise<void>): Promise<void> {
    const { latencyMs = 0, errorRate = 0, errorCode = status.UNAVAILABLE, hang = false } = this.#config;
    if (hang) {
      await new Promise<void>((resolve) => {
        this.#hung.add(resolve);
        void closed.then(resolve);
      });
    }
    if (latencyMs > 0) await Promise.race([new Promise((resolve) => setTimeout(resolve, latencyMs)), closed]);
    if (errorRate > 0 && this.#random() < errorRate) {
      throw new HttpError(
        STATUS_OF[errorCode] ?? 503,
        'injected_fault',
        'fault injected on purpose (POST /admin/faults)',
        {
          headers: { 'retry-after': '1' },
        },
      );
    }
  }

  /** Lets every hung request go on (faults switched off, or shutdown). */
  releaseHung(): void {
    for (const release of this.#hung) release();
    this.#hung.clear();
  }

  get active(): boolean {
    const { latencyMs = 0, errorRate = 0, hang = false } = this.#config;
    return latencyMs > 0 || errorRate > 0 || hang;
  }
}
