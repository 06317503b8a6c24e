import { DEFAULT_RATE_LIMIT_BURST, DEFAULT_RATE_LIMIT_RATE } from '../adaptive.constants.ts';
import { BasePolicy, type Chain } from '../common/base.policy.ts';
import { type Event, EventEmitter } from '../common/event.emitter.ts';
import type { ExecutionContext } from '../common/execution.context.ts';
import { type Clock, systemClock } from '../common/system.clock.ts';
import { RateLimitedError } from '../errors/rate-limited.error.ts';
import { rejectSoon } from '../errors/reject-soon.util.ts';
import { TokenBucket, validateRate } from './token-bucket.limiter.ts';

export interface RateLimitOptions {
  /** Tokens added per second (the sustained rate of admitted calls). */
  readonly rate?: number;
  /** Bucket capacity: calls admitted at once after a quiet period. Defaults to `rate` (one second's worth). */
  readonly burst?: number;
  readonly clock?: Clock;
}

/** Emitted for every call turned away. */
export interface RateLimitRejectEvent {
  /** The key whose bucket was empty (`undefined` for a global limiter). */
  readonly key: string | undefined;
  /** Milliseconds until a token is available. */
  readonly retryAfterMs: number;
}

/**
 * One token bucket for every call through it (a global limit). Each call takes a token; with none left the call
 * fails at once with a stackless {@link RateLimitedError} whose `retryAfterMs` says when a token will be there.
 * No timers: the bucket refills from the clock when asked. See `keyedRateLimit()` for a limit per client.
 */
export class RateLimitPolicy extends BasePolicy {
  readonly rate: number;
  readonly burst: number;
  readonly #bucket: TokenBucket;
  readonly #onReject = new EventEmitter<RateLimitRejectEvent>();
  /** A call was rejected for lack of tokens. */
  readonly onReject: Event<RateLimitRejectEvent> = this.#onReject.event;

  constructor(options: RateLimitOptions = {}) {
    super(options.clock ?? systemClock);
    this.rate = options.rate ?? DEFAULT_RATE_LIMIT_RATE;
    this.burst = options.burst ?? options.rate ?? DEFAULT_RATE_LIMIT_BURST;
    validateRate(this.rate, this.burst);
    this.#bucket = new TokenBucket(this.rate, this.burst, this.clock.now());
  }

  /** Tokens available now (fractional). */
  get available(): number {
    this.#bucket.refill(this.clock.now());
    return this.#bucket.tokens;
  }

  /**
   * Takes a token without running anything (for code outside a pipeline, such as an HTTP middleware): 0 when
   * taken, otherwise the milliseconds until one is available.
   */
  tryAcquire(): number {
    const wait = this.#bucket.take(this.clock.now());
    if (wait > 0 && this.#onReject.hasListeners) this.#onReject.emit({ key: undefined, retryAfterMs: wait });
    return wait;
  }

  intercept(context: ExecutionContext, next: Chain): Promise<unknown> {
    const wait = this.tryAcquire();
    if (wait > 0) return rejectSoon(RateLimitedError.fast(wait, undefined));
    return next.run(context);
  }
}

/** A global token-bucket rate limit: `rateLimit({ rate: 50, burst: 100 })`. */
export function rateLimit(options?: RateLimitOptions): RateLimitPolicy {
  return new RateLimitPolicy(options);
}
