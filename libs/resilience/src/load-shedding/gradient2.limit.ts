import {
  DEFAULT_GRADIENT_LONG_WINDOW,
  DEFAULT_GRADIENT_SHORT_WINDOW,
  DEFAULT_GRADIENT_SMOOTHING,
  DEFAULT_GRADIENT_TOLERANCE,
  DEFAULT_LIMIT_INITIAL,
  DEFAULT_LIMIT_MAX,
  DEFAULT_LIMIT_MIN,
} from '../adaptive.constants.ts';
import { type ConcurrencyLimit, ExpAverage, type LimitSample, validateBounds } from './limit.types.ts';

export interface Gradient2LimitOptions {
  readonly initialLimit?: number;
  readonly minLimit?: number;
  readonly maxLimit?: number;
  /** Weight of each new estimate (0..1]. */
  readonly smoothing?: number;
  /** Short RTT may reach `tolerance ×` the long RTT before the limit shrinks. */
  readonly rttTolerance?: number;
  /** Samples in the long-term RTT average. */
  readonly longWindow?: number;
  /** Samples in the short-term RTT average. */
  readonly shortWindow?: number;
  /** Headroom added each update, from the current limit; defaults to `sqrt(limit)`. */
  readonly queueSize?: (limit: number) => number;
}

/**
 * Netflix's Gradient2: compares a short-term RTT average with a long-term one. While the short one stays within
 * `tolerance ×` the long one the limit grows by `queueSize(limit)` (√limit by default); when latency rises the
 * limit shrinks by the gradient `long/short`, at most by half per update. Smoothed, clamped to [min, max].
 * The limit does not grow while the caller uses less than half of it (app-limited).
 */
export class Gradient2Limit implements ConcurrencyLimit {
  readonly minLimit: number;
  readonly maxLimit: number;
  readonly smoothing: number;
  readonly rttTolerance: number;
  readonly #queueSize: (limit: number) => number;
  readonly #long: ExpAverage;
  readonly #short: ExpAverage;
  #limit: number;

  constructor(options: Gradient2LimitOptions = {}) {
    this.#limit = options.initialLimit ?? DEFAULT_LIMIT_INITIAL;
    this.minLimit = options.minLimit ?? Math.min(DEFAULT_LIMIT_MIN, this.#limit);
    this.maxLimit = options.maxLimit ?? Math.max(DEFAULT_LIMIT_MAX, this.#limit);
    validateBounds(this.#limit, this.minLimit, this.maxLimit);
    this.smoothing = options.smoothing ?? DEFAULT_GRADIENT_SMOOTHING;
    this.rttTolerance = options.rttTolerance ?? DEFAULT_GRADIENT_TOLERANCE;
    if (!(this.smoothing > 0 && this.smoothing <= 1) || !(this.rttTolerance >= 1)) {
      throw new RangeError('gradient2: smoothing in (0, 1] and rttTolerance >= 1 required');
    }
    this.#queueSize = options.queueSize ?? Math.sqrt;
    this.#long = new ExpAverage(options.longWindow ?? DEFAULT_GRADIENT_LONG_WINDOW, 10);
    this.#short = new ExpAverage(options.shortWindow ?? DEFAULT_GRADIENT_SHORT_WINDOW, 1);
  }

  get limit(): number {
    return this.#limit;
  }

  /** The long-term RTT average (ms). */
  get longRtt(): number {
    return this.#long.value;
  }

  /** The short-term RTT average (ms). */
  get shortRtt(): number {
    return this.#short.value;
  }

  update(sample: LimitSample): void {
    const rtt = Math.max(sample.rttMs, 1e-3);
    const shortRtt = this.#short.add(rtt);
    const longRtt = this.#long.add(rtt);
    // After a long overload the long average lags far above: pull it down faster so the limit can recover.
    if (longRtt / shortRtt > 2) this.#long.scale(0.95);
    const limit = this.#limit;
    if (sample.inflight < limit / 2) return;
    const gradient = Math.max(0.5, Math.min(1, (this.rttTolerance * longRtt) / shortRtt));
    const estimate = limit * gradient + this.#queueSize(limit);
    const next = limit * (1 - this.smoothing) + estimate * this.smoothing;
    this.#limit = Math.max(this.minLimit, Math.min(this.maxLimit, next));
  }
}

/** A Gradient2 limit (see {@link Gradient2Limit}); initial 20, min 20, max 200, tolerance 1.5, smoothing 0.2. */
export function gradient2Limit(options?: Gradient2LimitOptions): Gradient2Limit {
  return new Gradient2Limit(options);
}
