/** One measured call, fed to a {@link ConcurrencyLimit}. */
export interface LimitSample {
  /** How long the call took (ms). */
  readonly rttMs: number;
  /** Calls in flight when this one started (itself included). */
  readonly inflight: number;
  /** True when the call timed out or was rejected for overload: a congestion signal. */
  readonly dropped: boolean;
}

/** An algorithm that moves a concurrency limit with measured latency (Netflix concurrency-limits style). */
export interface ConcurrencyLimit {
  /** The current limit (may be fractional; the shedder compares `inflight` against it). */
  readonly limit: number;
  /** Updates the limit from one sample. */
  update(sample: LimitSample): void;
}

/** An exponential moving average that starts as a plain mean over its first `warmup` samples. */
export class ExpAverage {
  readonly #factor: number;
  readonly #warmup: number;
  #count = 0;
  value = 0;

  constructor(window: number, warmup: number) {
    this.#factor = 2 / (window + 1);
    this.#warmup = warmup;
  }

  add(sample: number): number {
    if (this.#count < this.#warmup || this.#count === 0) {
      this.#count++;
      this.value += (sample - this.value) / this.#count;
    } else {
      this.value = this.value * (1 - this.#factor) + sample * this.#factor;
    }
    return this.value;
  }

  scale(factor: number): void {
    this.value *= factor;
  }
}

export function validateBounds(initial: number, min: number, max: number): void {
  if (!(min >= 1) || !(max >= min) || !(initial >= min) || !(initial <= max)) {
    throw new RangeError(
      `concurrency limit: need 1 <= min <= initial <= max, got ${min}, ${initial}, ${max}`,
    );
  }
}
