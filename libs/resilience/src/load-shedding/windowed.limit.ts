import type { ConcurrencyLimit, LimitSample } from './limit.types.ts';

export interface WindowedLimitOptions {
  /** Fewest samples in a window (default 10); a window otherwise holds one limit's worth of calls. */
  readonly minSamples?: number;
}

/**
 * Feeds another limit algorithm one sample per window instead of one per call: the window's average latency,
 * its highest in-flight count, and whether any call was dropped. A window closes after `max(minSamples, limit)`
 * calls, about one round trip of the whole limit, so a burst of slow calls (a neighbour taking the CPU for a
 * second) moves the limit one step instead of one step per call. Netflix concurrency-limits' `WindowedLimit`
 * does the same with time windows.
 */
export class WindowedLimit implements ConcurrencyLimit {
  readonly #inner: ConcurrencyLimit;
  readonly #minSamples: number;
  #count = 0;
  #rttSum = 0;
  #maxInflight = 0;
  #dropped = false;

  constructor(inner: ConcurrencyLimit, options: WindowedLimitOptions = {}) {
    this.#inner = inner;
    this.#minSamples = options.minSamples ?? 10;
    if (!(this.#minSamples >= 1)) throw new RangeError('windowedLimit: minSamples >= 1 required');
  }

  get limit(): number {
    return this.#inner.limit;
  }

  update(sample: LimitSample): void {
    this.#count++;
    this.#rttSum += sample.rttMs;
    this.#maxInflight = Math.max(this.#maxInflight, sample.inflight);
    this.#dropped ||= sample.dropped;
    if (this.#count < Math.max(this.#minSamples, Math.floor(this.#inner.limit))) return;
    this.#inner.update({
      rttMs: this.#rttSum / this.#count,
      inflight: this.#maxInflight,
      dropped: this.#dropped,
    });
    this.#count = 0;
    this.#rttSum = 0;
    this.#maxInflight = 0;
    this.#dropped = false;
  }
}

/** Wraps `inner` so it is updated once per window of calls (see {@link WindowedLimit}). */
export function windowedLimit(inner: ConcurrencyLimit, options?: WindowedLimitOptions): WindowedLimit {
  return new WindowedLimit(inner, options);
}
