import {
  type Clock,
  gradient2Limit,
  isLoadShedError,
  type LoadSheddingPolicy,
  loadShedding,
  type OverloadSignal,
  type Priority,
  type ShedPermit,
  systemClock,
  windowedLimit,
} from '@rebound/service-defaults';

export interface LoadShedderOptions {
  readonly initialLimit: number;
  readonly minLimit: number;
  readonly maxLimit: number;
  /** `shedding` stays true this long after the last request shed by the concurrency limit (no flapping). */
  readonly holdMs: number;
  /** The process's overload signal (service-defaults' `context.overload`): while tripped, only critical requests pass. */
  readonly overload: Pick<OverloadSignal, 'overloaded' | 'retryAfterMs'>;
  readonly clock?: Clock;
}

/** Why a request was refused. */
export type ShedReason = 'concurrency' | 'event-loop';

export class ShedDecision {
  readonly reason: ShedReason;
  readonly retryAfterMs: number;

  constructor(reason: ShedReason, retryAfterMs: number) {
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }

  /** What the refused client reads. */
  get message(): string {
    return this.reason === 'event-loop'
      ? 'the gateway is overloaded (its event loop is saturated); retry later'
      : 'the gateway is overloaded (too many requests in flight); retry later';
  }
}

const DEFAULT_RETRY_AFTER_MS = 1_000;

/**
 * The edge's load shedding: an adaptive concurrency limit (Gradient2 updated per window of calls) with
 * priority shares (sheddable reads go first, checkout last), plus the process's overload signal: while it is
 * tripped, only critical requests are admitted, so that the process keeps answering instead of queueing to death.
 */
export class LoadShedder {
  readonly #policy: LoadSheddingPolicy;
  readonly #overload: LoadShedderOptions['overload'];

  constructor(options: LoadShedderOptions) {
    this.#overload = options.overload;
    this.#policy = loadShedding({
      // One update per window of calls, the window's average as the short-term latency, the last ~60 windows as
      // the long-term one: a second of slow calls (a replica restarting beside it, a sibling gateway gone) trims
      // the limit by a tenth at most, while a sustained rise keeps cutting it window after window.
      limit: windowedLimit(
        gradient2Limit({
          initialLimit: options.initialLimit,
          minLimit: options.minLimit,
          maxLimit: options.maxLimit,
          shortWindow: 1,
          longWindow: 60,
        }),
      ),
      sheddingHoldMs: options.holdMs,
      clock: options.clock ?? systemClock,
    });
  }

  /** A slot to release once the response is finished (it feeds the latency to the limit), or why not. */
  admit(priority: Priority): ShedPermit | ShedDecision {
    if (priority !== 'critical' && priority !== 'critical-plus' && this.#overload.overloaded) {
      return new ShedDecision('event-loop', this.#overload.retryAfterMs);
    }
    const permit = this.#policy.acquire(priority);
    return isLoadShedError(permit)
      ? new ShedDecision('concurrency', permit.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS)
      : permit;
  }

  /** True while the concurrency limit sheds requests (and `holdMs` after): readiness reports not ready. */
  get shedding(): boolean {
    return this.#policy.shedding;
  }

  get inflight(): number {
    return this.#policy.inflight;
  }

  get limit(): number {
    return this.#policy.limit;
  }
}
