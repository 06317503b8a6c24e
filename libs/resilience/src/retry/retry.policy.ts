import { BasePolicy, type Chain } from '../common/base.policy.ts';
import { type Event, EventEmitter } from '../common/event.emitter.ts';
import type { ExecutionContext } from '../common/execution.context.ts';
import { type FusedCall, type FusedLayer, PROPAGATE, RETRY } from '../common/fused-layer.types.ts';
import { type Random, systemRandom } from '../common/seeded.random.ts';
import { type Clock, systemClock } from '../common/system.clock.ts';
import { DEFAULT_MAX_RETRIES } from '../constants.ts';
import { isBrokenCircuitError, isBulkheadRejectedError, isCancellation } from '../errors/error.guards.ts';
import { isLoadShedError } from '../errors/load-shed.error.ts';
import { isRateLimitedError } from '../errors/rate-limited.error.ts';
import { isThrottledError } from '../errors/throttled.error.ts';
import type { Backoff, BackoffMemo } from './backoff/backoff.types.ts';
import { DecorrelatedJitterBackoff } from './backoff/decorrelated-jitter.backoff.ts';
import type { RetryBudget } from './retry.budget.ts';
import { sleep } from './sleep.util.ts';

export interface RetryOptions {
  /**
   * Retries after the first call: `maxRetries: 3` makes at most 4 calls in total. (Named so because
   * "maxAttempts" means different things in gRPC, Polly, resilience4j and cockatiel.)
   */
  readonly maxRetries?: number;
  /** Delay before each retry; defaults to decorrelated jitter (V2) with a 100 ms median first delay. */
  readonly backoff?: Backoff;
  /**
   * Whether `error` is worth retrying. Defaults to every error except cancellations (the caller gave up or the
   * deadline passed) and local load-protection rejections: an open breaker, a full bulkhead, a rate limit, load
   * shedding or adaptive throttling already decided this call must not go out now, and retrying would only add
   * load ("overloaded, don't retry"). Their `retryAfterMs` is for the caller further out.
   */
  readonly retryOn?: (error: unknown, context: ExecutionContext) => boolean;
  /** A budget shared across callers, so that an outage never multiplies load (see `retryBudget()`). */
  readonly budget?: RetryBudget;
  readonly clock?: Clock;
  /** Jitter source; seed it per replica so replicas do not retry in lockstep. */
  readonly random?: Random;
}

/** Emitted before each retry's backoff sleep. */
export interface RetryEvent {
  /** 1 for the first retry. */
  readonly retry: number;
  readonly delayMs: number;
  readonly error: unknown;
}

/** Why a retry policy stopped retrying and returned the last error. */
export type GiveUpReason =
  | 'not-retryable'
  | 'max-retries'
  | 'budget'
  | 'deadline'
  | 'aborted'
  | 'not-idempotent';

export interface GiveUpEvent {
  readonly reason: GiveUpReason;
  /** Calls made, including the first. */
  readonly attempts: number;
  readonly error: unknown;
}

/** The default retry predicate; see {@link RetryOptions.retryOn}. */
export function isRetryableByDefault(error: unknown): boolean {
  return !isCancellation(error) && !isLocalRejection(error);
}

function isLocalRejection(error: unknown): boolean {
  return (
    isBrokenCircuitError(error) ||
    isBulkheadRejectedError(error) ||
    isRateLimitedError(error) ||
    isLoadShedError(error) ||
    isThrottledError(error)
  );
}

/** A fused call's retry state, allocated at the first failure only. */
class RetryState {
  retries = 0;
  readonly memo: BackoffMemo = { value: 0 };
}

/**
 * Retries failed calls with backoff. Never retries non-idempotent executions (`idempotent: false`), never
 * sleeps past the execution's deadline (it gives up with the last error at once), stops when the caller aborts
 * (also during a backoff sleep), and asks the shared budget before every retry. `context.attempt` tells the
 * operation which attempt it is.
 */
export class RetryPolicy extends BasePolicy implements FusedLayer {
  readonly maxRetries: number;
  readonly backoff: Backoff;
  readonly budget: RetryBudget | undefined;
  readonly #random: Random;
  readonly #retryOn: (error: unknown, context: ExecutionContext) => boolean;
  readonly #onRetry = new EventEmitter<RetryEvent>();
  readonly #onGiveUp = new EventEmitter<GiveUpEvent>();
  /** Emitted before each retry. */
  readonly onRetry: Event<RetryEvent> = this.#onRetry.event;
  /** Emitted when a failed execution is not retried any further (the last error is rethrown). */
  readonly onGiveUp: Event<GiveUpEvent> = this.#onGiveUp.event;

  constructor(options: RetryOptions = {}) {
    super(options.clock ?? systemClock);
    this.maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    if (!(this.maxRetries >= 0)) throw new RangeError(`maxRetries must be >= 0, got ${this.maxRetries}`);
    this.backoff = options.backoff ?? new DecorrelatedJitterBackoff();
    this.budget = options.budget;
    this.#random = options.random ?? systemRandom;
    this.#retryOn = options.retryOn ?? isRetryableByDefault;
  }

  /** Runs the call, and again after each retryable failure while the retries, deadline and budget allow. */
  async intercept(context: ExecutionContext, next: Chain): Promise<unknown> {
    this.budget?.recordRequest();
    context.attempt = 0;
    let memo: BackoffMemo | undefined;
    for (let retries = 0; ; retries++) {
      try {
        return await next.run(context);
      } catch (error) {
        const reason = this.#refuse(error, context, retries);
        if (reason !== undefined) throw this.#giveUp(reason, retries, error);
        memo ??= { value: 0 };
        const delayMs = this.backoff.delay(retries, this.#random, memo);
        if (context.deadline - this.clock.now() <= delayMs) throw this.#giveUp('deadline', retries, error);
        if (this.budget !== undefined && !this.budget.tryAcquire())
          throw this.#giveUp('budget', retries, error);
        context.attempt = retries + 1;
        if (this.#onRetry.hasListeners) this.#onRetry.emit({ retry: retries + 1, delayMs, error });
        if (delayMs > 0) {
          await sleep(this.clock, delayMs, context);
          if (context.aborted) throw this.#giveUp('aborted', retries + 1, error);
        }
      }
    }
  }

  // ---- Fast path for pipeline(): the behaviour of intercept() above as synchronous hooks (see FusedLayer). ----

  /** @internal Count the request against the budget. */
  enter(call: FusedCall): unknown {
    this.budget?.recordRequest();
    call.attempt = 0;
    return undefined;
  }

  /** @internal Decide whether a failure is retried, and after which sleep. */
  exit(call: FusedCall, index: number, token: unknown, detached: boolean): number {
    if (!call.failed) return PROPAGATE;
    const error = call.outcome;
    let state = token as RetryState | undefined;
    const retries = state === undefined ? 0 : state.retries;
    if (detached) {
      // A timeout outside gave up on this attempt: the layers inside it stay cancelled.
      this.#giveUp('aborted', retries, error);
      return PROPAGATE;
    }
    const reason = this.#refuse(error, call, retries);
    if (reason !== undefined) {
      this.#giveUp(reason, retries, error);
      return PROPAGATE;
    }
    if (state === undefined) {
      state = new RetryState();
      call.setToken(index, state);
    }
    const delayMs = this.backoff.delay(retries, this.#random, state.memo);
    if (call.deadline - this.clock.now() <= delayMs) {
      this.#giveUp('deadline', retries, error);
      return PROPAGATE;
    }
    if (this.budget !== undefined && !this.budget.tryAcquire()) {
      this.#giveUp('budget', retries, error);
      return PROPAGATE;
    }
    state.retries = retries + 1;
    call.attempt = retries + 1;
    if (this.#onRetry.hasListeners) this.#onRetry.emit({ retry: retries + 1, delayMs, error });
    if (delayMs > 0) {
      call.sleep = sleep(this.clock, delayMs, call).then(() => {
        if (!call.aborted) return true;
        this.#giveUp('aborted', retries + 1, error);
        return false;
      });
    }
    return RETRY;
  }

  #refuse(error: unknown, context: ExecutionContext, retry: number): GiveUpReason | undefined {
    if (context.aborted) return 'aborted';
    if (!context.idempotent) return 'not-idempotent';
    if (!this.#retryOn(error, context)) return 'not-retryable';
    if (retry >= this.maxRetries) return 'max-retries';
    return undefined;
  }

  /** Emits `onGiveUp` and returns the error to rethrow. */
  #giveUp(reason: GiveUpReason, retry: number, error: unknown): unknown {
    if (this.#onGiveUp.hasListeners) this.#onGiveUp.emit({ reason, attempts: retry + 1, error });
    return error;
  }
}

/** A retry policy; see {@link RetryOptions}. */
export function retry(options?: RetryOptions): RetryPolicy {
  return new RetryPolicy(options);
}
