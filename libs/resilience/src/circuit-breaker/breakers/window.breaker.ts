import {
  DEFAULT_BREAKER_FAILURE_RATE,
  DEFAULT_BREAKER_MINIMUM_THROUGHPUT,
  DEFAULT_BREAKER_SLOW_CALL_MS,
  DEFAULT_BREAKER_SLOW_CALL_RATE,
  DEFAULT_BREAKER_WINDOW_BUCKETS,
  DEFAULT_BREAKER_WINDOW_MS,
} from '../../constants.ts';
import type { Breaker, TripReason } from './breaker.types.ts';

export interface WindowBreakerOptions {
  /** Length of the sliding window. */
  readonly windowMs?: number;
  /** Buckets the window is divided into; memory is three small typed arrays of this length. */
  readonly buckets?: number;
  /** Failure rate (0..1] at or above which the circuit opens. */
  readonly failureRateThreshold?: number;
  /** Slow-call rate (0..1] at or above which the circuit opens (failed calls count too if slow). */
  readonly slowCallRateThreshold?: number;
  /** A call that takes at least this long is slow. */
  readonly slowCallDurationMs?: number;
  /** Calls needed in the window before either rate is judged, so a quiet service does not trip on one error. */
  readonly minimumThroughput?: number;
}

/**
 * A time-window breaker (resilience4j TIME_BASED): per-bucket counts of calls, failures and slow calls, O(1)
 * per call, opening on a failure rate or a slow-call rate once the window holds `minimumThroughput` calls.
 */
export class WindowBreaker implements Breaker {
  readonly windowMs: number;
  readonly failureRateThreshold: number;
  readonly slowCallRateThreshold: number;
  readonly slowCallDurationMs: number;
  readonly minimumThroughput: number;
  /** Always true: the window rotates on the clock even when slow calls are not judged. */
  readonly needsDuration = true;
  readonly #bucketMs: number;
  readonly #calls: Float64Array;
  readonly #failures: Float64Array;
  readonly #slow: Float64Array;
  #bucket = Number.NaN;
  #totalCalls = 0;
  #totalFailures = 0;
  #totalSlow = 0;

  constructor(options: WindowBreakerOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_BREAKER_WINDOW_MS;
    const buckets = options.buckets ?? DEFAULT_BREAKER_WINDOW_BUCKETS;
    this.failureRateThreshold = options.failureRateThreshold ?? DEFAULT_BREAKER_FAILURE_RATE;
    this.slowCallRateThreshold = options.slowCallRateThreshold ?? DEFAULT_BREAKER_SLOW_CALL_RATE;
    this.slowCallDurationMs = options.slowCallDurationMs ?? DEFAULT_BREAKER_SLOW_CALL_MS;
    this.minimumThroughput = options.minimumThroughput ?? DEFAULT_BREAKER_MINIMUM_THROUGHPUT;
    if (!(this.windowMs > 0) || !(buckets >= 1) || !(this.minimumThroughput >= 1)) {
      throw new RangeError('window breaker: windowMs > 0, buckets >= 1 and minimumThroughput >= 1 required');
    }
    this.#bucketMs = this.windowMs / buckets;
    this.#calls = new Float64Array(buckets);
    this.#failures = new Float64Array(buckets);
    this.#slow = new Float64Array(buckets);
  }

  /** Calls, failures and slow calls currently in the window. */
  snapshot(now: number): { calls: number; failures: number; slow: number } {
    this.#rotate(now);
    return { calls: this.#totalCalls, failures: this.#totalFailures, slow: this.#totalSlow };
  }

  record(failed: boolean, durationMs: number, now: number): TripReason | undefined {
    const slot = this.#rotate(now);
    this.#calls[slot]!++;
    this.#totalCalls++;
    if (failed) {
      this.#failures[slot]!++;
      this.#totalFailures++;
    }
    if (durationMs >= this.slowCallDurationMs) {
      this.#slow[slot]!++;
      this.#totalSlow++;
    }
    const calls = this.#totalCalls;
    if (calls < this.minimumThroughput) return undefined;
    if (this.#totalFailures >= this.failureRateThreshold * calls) return 'failure-rate';
    if (this.#totalSlow >= this.slowCallRateThreshold * calls) return 'slow-call-rate';
    return undefined;
  }

  reset(): void {
    this.#calls.fill(0);
    this.#failures.fill(0);
    this.#slow.fill(0);
    this.#totalCalls = this.#totalFailures = this.#totalSlow = 0;
  }

  #rotate(now: number): number {
    const size = this.#calls.length;
    const bucket = Math.floor(now / this.#bucketMs);
    const from = this.#bucket;
    if (bucket !== from) {
      const steps = Number.isNaN(from) ? 0 : Math.min(bucket - from, size);
      for (let i = 1; i <= steps; i++) {
        const slot = (((from + i) % size) + size) % size;
        this.#totalCalls -= this.#calls[slot]!;
        this.#totalFailures -= this.#failures[slot]!;
        this.#totalSlow -= this.#slow[slot]!;
        this.#calls[slot] = this.#failures[slot] = this.#slow[slot] = 0;
      }
      this.#bucket = bucket;
    }
    return ((bucket % size) + size) % size;
  }
}

/** A time-window breaker; see {@link WindowBreakerOptions}. */
export function windowBreaker(options?: WindowBreakerOptions): WindowBreaker {
  return new WindowBreaker(options);
}
