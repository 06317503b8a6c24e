import {
  DEFAULT_HEDGE_DELAY_MS,
  DEFAULT_HEDGE_MIN_SAMPLES,
  DEFAULT_HEDGE_PERCENTILE,
  DEFAULT_HEDGE_SAMPLES,
} from '../adaptive.constants.ts';

/** Where a hedging policy gets its delay, and where it reports the latency of successful attempts. */
export interface HedgeDelay {
  /** Milliseconds to wait for an attempt before sending the next one. */
  delayMs(): number;
  /** The latency of an attempt that succeeded. */
  record(latencyMs: number): void;
}

export interface PercentileDelayOptions {
  /** The latency percentile to wait for, in (0, 1): 0.95 hedges the slowest ~5% of calls. */
  readonly percentile?: number;
  /** Latencies kept (a ring: the most recent ones). */
  readonly samples?: number;
  /** Samples needed before the percentile is trusted; until then `initialDelayMs` is used. */
  readonly minSamples?: number;
  readonly initialDelayMs?: number;
  /** Lower bound on the delay (the initial one included), so a fast dependency is not hedged on every jitter. */
  readonly minDelayMs?: number;
}

/**
 * A hedge delay that follows the observed latency: the `percentile` of the last `samples` successful
 * attempts. Fixed memory; the percentile is recomputed (a sort of the ring) once every `samples / 16` records,
 * not per call.
 */
export class PercentileDelay implements HedgeDelay {
  readonly percentile: number;
  readonly minSamples: number;
  readonly initialDelayMs: number;
  readonly minDelayMs: number;
  readonly #ring: Float64Array;
  readonly #sorted: Float64Array;
  readonly #every: number;
  #count = 0;
  #sinceSort = 0;
  #value: number;

  constructor(options: PercentileDelayOptions = {}) {
    this.percentile = options.percentile ?? DEFAULT_HEDGE_PERCENTILE;
    const samples = options.samples ?? DEFAULT_HEDGE_SAMPLES;
    this.minSamples = options.minSamples ?? Math.min(DEFAULT_HEDGE_MIN_SAMPLES, samples);
    this.initialDelayMs = options.initialDelayMs ?? DEFAULT_HEDGE_DELAY_MS;
    this.minDelayMs = options.minDelayMs ?? 1;
    if (!(this.percentile > 0 && this.percentile < 1) || !(samples >= 1) || !(this.minSamples <= samples)) {
      throw new RangeError('percentile delay: percentile in (0, 1) and 1 <= minSamples <= samples required');
    }
    this.#ring = new Float64Array(samples);
    this.#sorted = new Float64Array(samples);
    this.#every = Math.max(1, Math.floor(samples / 16));
    this.#value = Math.max(this.minDelayMs, this.initialDelayMs);
  }

  delayMs(): number {
    return this.#value;
  }

  record(latencyMs: number): void {
    const ring = this.#ring;
    ring[this.#count % ring.length] = latencyMs;
    this.#count++;
    if (this.#count < this.minSamples || ++this.#sinceSort < this.#every) return;
    this.#sinceSort = 0;
    const n = Math.min(this.#count, ring.length);
    const sorted = this.#sorted.subarray(0, n);
    sorted.set(ring.subarray(0, n));
    sorted.sort();
    const p = sorted[Math.min(n - 1, Math.ceil(this.percentile * n) - 1)]!;
    this.#value = Math.max(this.minDelayMs, p);
  }
}

/** A hedge delay at a latency percentile (default p95 of the last 256 successes, 100 ms until 20 are seen). */
export function percentileDelay(options?: PercentileDelayOptions): PercentileDelay {
  return new PercentileDelay(options);
}
