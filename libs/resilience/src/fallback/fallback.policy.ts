import { type Clock, systemClock } from '../common/clock.ts';
import { type Event, EventEmitter } from '../common/event.ts';
import type { ExecutionContext } from '../common/execution-context.ts';
import { isCancellation } from '../errors/error.guards.ts';
import { FusedPolicy } from '../pipeline/fused-policy.ts';
import type { FusedRun } from '../pipeline/fused-run.ts';
import { PROPAGATE } from '../pipeline/fused-run.ts';

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
export class FallbackPolicy<R = unknown> extends FusedPolicy {
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

  /** @internal */
  enter(): unknown {
    return undefined;
  }

  /** @internal Fused hook: replace a handled failure with the fallback's answer. */
  exit(run: FusedRun, _index: number, _token: unknown, detached: boolean): number {
    if (detached || !run.failed || !this.#handle(run.outcome)) return PROPAGATE;
    const error = run.outcome;
    if (this.#onFallback.hasListeners) this.#onFallback.emit({ error });
    try {
      const value = this.#fallback(error, run);
      if (value !== null && typeof (value as PromiseLike<R>)?.then === 'function') {
        run.pending = value as PromiseLike<R>;
      } else {
        run.failed = false;
        run.outcome = value;
      }
    } catch (fallbackError) {
      run.outcome = fallbackError;
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
