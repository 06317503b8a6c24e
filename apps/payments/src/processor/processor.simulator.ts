import { Counter, Gauge, Histogram, type Registry, RpcError, status } from '@rebound/service-defaults';
import { z } from 'zod';

const rate = z.number().min(0, 'expected a rate between 0 and 1').max(1, 'expected a rate between 0 and 1');

/** What `POST /admin/processor` accepts: any subset; omitted fields keep their value. */
export const processorSettingsSchema = z
  .object({
    /** Share of processor calls that fail (the processor is down): Charge/Refund answer UNAVAILABLE, nothing recorded. */
    failureRate: rate,
    /** Share of charges the processor declines: a final answer, recorded as DECLINED. */
    declineRate: rate,
    /** Added to every processor call (ms). */
    latencyMs: z.number().int().min(0).max(120_000),
  })
  .strict()
  .partial();

export type ProcessorSettings = Required<z.infer<typeof processorSettingsSchema>>;

export const HEALTHY_PROCESSOR: ProcessorSettings = Object.freeze({
  failureRate: 0,
  declineRate: 0,
  latencyMs: 0,
});

/** Charges at or above this are always declined (a card limit): a deterministic decline for tests and demos. */
export const DECLINE_AT_MINOR = 1_000_000;

export type ChargeOutcome =
  | { readonly approved: true }
  | { readonly approved: false; readonly reason: string };

/**
 * The simulated payment processor: healthy by default, made slow, failing or declining at run time.
 * `rebound_payments_processor_calls_total{operation,outcome}`, `rebound_payments_processor_duration_seconds`
 * and `rebound_payments_processor_setting{setting}` show what it does.
 */
export class ProcessorSimulator {
  #settings: ProcessorSettings = { ...HEALTHY_PROCESSOR };
  readonly #random: () => number;
  readonly #calls: Counter<'operation' | 'outcome'>;
  readonly #duration: Histogram<'operation'>;
  readonly #setting: Gauge<'setting'>;

  constructor(registry: Registry, random: () => number = Math.random) {
    this.#random = random;
    this.#calls = new Counter({
      name: 'rebound_payments_processor_calls_total',
      help: 'Calls to the simulated payment processor by operation and outcome (approved, declined, failed).',
      labelNames: ['operation', 'outcome'] as const,
      registers: [registry],
    });
    this.#duration = new Histogram({
      name: 'rebound_payments_processor_duration_seconds',
      help: 'Duration of calls to the simulated payment processor.',
      labelNames: ['operation'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.#setting = new Gauge({
      name: 'rebound_payments_processor_setting',
      help: 'Run-time settings of the simulated processor (failure_rate, decline_rate, latency_ms).',
      labelNames: ['setting'] as const,
      registers: [registry],
    });
    this.#publish();
  }

  get settings(): ProcessorSettings {
    return { ...this.#settings };
  }

  update(change: Partial<ProcessorSettings>): ProcessorSettings {
    this.#settings = { ...this.#settings, ...change };
    this.#publish();
    return this.settings;
  }

  reset(): ProcessorSettings {
    this.#settings = { ...HEALTHY_PROCESSOR };
    this.#publish();
    return this.settings;
  }

  /** Asks the processor to charge; throws UNAVAILABLE when it is down (nothing was charged). */
  async charge(amountMinor: number, signal: AbortSignal): Promise<ChargeOutcome> {
    return this.#call('charge', signal, () => {
      if (amountMinor >= DECLINE_AT_MINOR) return { approved: false, reason: 'amount over the card limit' };
      if (this.#random() < this.#settings.declineRate)
        return { approved: false, reason: 'declined by the issuer' };
      return { approved: true };
    });
  }

  /**
   * Reverses an approval whose payment was voided or taken over before it could be recorded (a void of an
   * authorization: it never fails, and never reaches the ledger because the charge never did).
   */
  async reverse(_amountMinor: number): Promise<void> {
    this.#calls.inc({ operation: 'reverse', outcome: 'approved' });
  }

  /** Asks the processor to refund; throws UNAVAILABLE when it is down. */
  async refund(signal: AbortSignal): Promise<void> {
    await this.#call('refund', signal, () => ({ approved: true }) as ChargeOutcome);
  }

  async #call(operation: string, signal: AbortSignal, decide: () => ChargeOutcome): Promise<ChargeOutcome> {
    const started = performance.now();
    const { latencyMs, failureRate } = this.#settings;
    try {
      if (latencyMs > 0) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, latencyMs);
          signal.addEventListener(
            'abort',
            () => {
              clearTimeout(timer);
              reject(new RpcError(status.DEADLINE_EXCEEDED, 'payment processor too slow'));
            },
            { once: true },
          );
        });
      }
      if (this.#random() < failureRate) {
        this.#calls.inc({ operation, outcome: 'failed' });
        throw new RpcError(status.UNAVAILABLE, 'payment processor unavailable');
      }
      const outcome = decide();
      this.#calls.inc({ operation, outcome: outcome.approved ? 'approved' : 'declined' });
      return outcome;
    } finally {
      this.#duration.observe({ operation }, (performance.now() - started) / 1000);
    }
  }

  #publish(): void {
    this.#setting.set({ setting: 'failure_rate' }, this.#settings.failureRate);
    this.#setting.set({ setting: 'decline_rate' }, this.#settings.declineRate);
    this.#setting.set({ setting: 'latency_ms' }, this.#settings.latencyMs);
  }
}
