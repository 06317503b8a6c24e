import { BasePolicy, type Chain } from '../common/base.policy.ts';
import { type Event, EventEmitter } from '../common/event.emitter.ts';
import type { ExecutionContext } from '../common/execution.context.ts';
import { type FusedCall, type FusedLayer, PROPAGATE } from '../common/fused-layer.types.ts';
import { type Clock, systemClock } from '../common/system.clock.ts';
import { isCancellation } from '../errors/error.guards.ts';

export interface FallbackOptions {
  /** Which errors the fallback answers (never cancellations); defaults to every other error. */
  readonly handle?: (error: unknown) => boolean;
  readonly clock?: Clock;
}

export interface FallbackEvent {
  readonly error: unknown;
}

/**
 * Answers a failed call with a substitute (a cached copy, a default, a degraded result). Every fallback emits
 * `onFallback`, so a fallback that hides a failing dependency still shows on a dashboard. The failure itself
 * still reaches the policies inside (a breaker still counts it).
 */
export class FallbackPolicy<R = unknown> extends BasePolicy implements FusedLayer {
  readonly #fallback: (error: unknown, context: ExecutionContext) => R | PromiseLike<R>;
  readonly #handle: (error: unknown) => boolean;
  readonly #onFallback = new EventEmitter<FallbackEvent>();
  /** A fallback answered in place of the operation. */
  readonly onFallback: Event<FallbackEvent> = this.#onFallback.event;

  constructor(
    fallback: (error: unknown, context: ExecutionContext) => R | PromiseLike<R>,
    options: FallbackOptions = {},
  ) {
    super(options.clock ?? systemClock);
    this.#fallback = fallback;
    const handle = options.handle;
    this.#handle = handle === undefined ? (e) => !isCancellation(e) : (e) => !isCancellation(e) && handle(e);
  }

  /** Runs the call; a handled failure is answered by the fallback instead. */
  async intercept(context: ExecutionContext, next: Chain): Promise<unknown> {
    try {
      return await next.run(context);
    } catch (error) {
      if (!this.#handle(error)) throw error;
      if (this.#onFallback.hasListeners) this.#onFallback.emit({ error });
      return await this.#fallback(error, context);
    }
  }

  // ---- Fast path for pipeline(): the behaviour of intercept() above as synchronous hooks (see FusedLayer). ----

  /** @internal */
  enter(): unknown {
    return undefined;
  }

  /** @internal Replace a handled failure with the fallback's answer. */
  exit(call: FusedCall): number {
    if (!call.failed || !this.#handle(call.outcome)) return PROPAGATE;
    const error = call.outcome;
    if (this.#onFallback.hasListeners) this.#onFallback.emit({ error });
    try {
      const value = this.#fallback(error, call);
      if (value !== null && typeof (value as PromiseLike<R>)?.then === 'function') {
        call.pending = value as PromiseLike<R>;
      } else {
        call.failed = false;
        call.outcome = value;
      }
    } catch (fallbackError) {
      call.outcome = fallbackError;
    }
    return PROPAGATE;
  }
}

/** A fallback policy: `fallback((error) => cachedCatalog)`. */
export function fallback<R>(
  value: (error: unknown, context: ExecutionContext) => R | PromiseLike<R>,
  options?: FallbackOptions,
): FallbackPolicy<R> {
  return new FallbackPolicy(value, options);
}
