import { DEFAULT_BREAKER_CONSECUTIVE_FAILURES } from '../../constants.ts';
import type { Breaker, TripReason } from './breaker.types.ts';

/** Opens after `threshold` failures in a row; any success starts the count again. */
export class ConsecutiveBreaker implements Breaker {
  readonly threshold: number;
  readonly needsDuration = false;
  #failures = 0;

  constructor(threshold: number = DEFAULT_BREAKER_CONSECUTIVE_FAILURES) {
    if (!(threshold >= 1)) throw new RangeError(`threshold must be >= 1, got ${threshold}`);
    this.threshold = threshold;
  }

  record(failed: boolean): TripReason | undefined {
    if (!failed) {
      this.#failures = 0;
      return undefined;
    }
    return ++this.#failures >= this.threshold ? 'failures' : undefined;
  }

  reset(): void {
    this.#failures = 0;
  }
}

/** A consecutive-failure breaker: `consecutiveBreaker(5)` opens on the fifth failure in a row. */
export function consecutiveBreaker(threshold?: number): ConsecutiveBreaker {
  return new ConsecutiveBreaker(threshold);
}
