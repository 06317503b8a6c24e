import type { ConcurrencyLimit, LimitSample } from '@rebound/resilience';
import { DEFAULT_LIMIT_INITIAL, DEFAULT_LIMIT_MAX, DEFAULT_LIMIT_MIN } from '../constants.ts';

export interface WindowedVegasLimitOptions {
  readonly initialLimit?: number;
  readonly minLimit?: number;
  readonly maxLimit?: number;
  /** A call slower than `tolerance × minimum latency` is a sign of queueing (default 2)… */
  readonly tolerance?: number;
  /**
   * …and slower than `minimum + queueSlackMs` (default 50): for handlers of a few microseconds, tens of ms of queue
   * is noise, not overload, and shedding it would only cost throughput.
   */
  readonly queueSlackMs?: number;
  /** Samples after which the minimum latency is forgotten and measured again (default 1000). */
  readonly baselineSamples?: number;
}

/**
 * A concurrency-limit algorithm for `loadShedding({ limit })` in the spirit of TCP Vegas: it tracks the
 * no-queue (minimum) latency and, once per window of `limit` completed calls, grows by one when latency stayed
 * within `tolerance × minimum` (or `minimum + queueSlackMs`) while the limit was actually used, and shrinks by 10 % when most calls queued or
 * any call timed out. In-flight work, and with it the latency of admitted calls, stays bounded while the limit
 * follows real capacity: high for I/O-bound handlers, low for CPU-bound ones.
 *
 * Why not Gradient2 (resilience's default) on the server: its long-term average follows latency up under
 * sustained overload, and in the 3× overload benchmark admitted calls crept past their deadlines.
 */
export class WindowedVegasLimit implements ConcurrencyLimit {
  #limit: number;
  readonly #min: number;
  readonly #max: number;
  readonly #tolerance: number;
  readonly #slackMs: number;
  readonly #baselineSamples: number;
  #minRtt = Number.POSITIVE_INFINITY;
  #nextMinRtt = Number.POSITIVE_INFINITY;
  #baselineCount = 0;
  #windowCount = 0;
  #windowSlow = 0;
  #windowDropped = false;
  #windowBusy = false;

  constructor(options: WindowedVegasLimitOptions = {}) {
    this.#min = options.minLimit ?? DEFAULT_LIMIT_MIN;
    this.#max = options.maxLimit ?? DEFAULT_LIMIT_MAX;
    this.#limit = Math.min(this.#max, Math.max(this.#min, options.initialLimit ?? DEFAULT_LIMIT_INITIAL));
    this.#tolerance = options.tolerance ?? 2;
    this.#slackMs = options.queueSlackMs ?? 50;
    this.#baselineSamples = options.baselineSamples ?? 1_000;
  }

  get limit(): number {
    return this.#limit;
  }

  update({ rttMs, inflight, dropped }: LimitSample): void {
    if (inflight >= this.#limit / 2) this.#windowBusy = true;
    if (dropped) this.#windowDropped = true;
    else {
      if (rttMs < this.#minRtt) this.#minRtt = rttMs;
      if (rttMs < this.#nextMinRtt) this.#nextMinRtt = rttMs;
      if (++this.#baselineCount >= this.#baselineSamples) {
        // Forget an old minimum (the handler may have become slower for good), keep the fresh one.
        this.#minRtt = this.#nextMinRtt;
        this.#nextMinRtt = Number.POSITIVE_INFINITY;
        this.#baselineCount = 0;
      }
      const minRtt = this.#minRtt;
      if (rttMs > this.#tolerance * minRtt && rttMs > minRtt + this.#slackMs) this.#windowSlow++;
    }
    if (++this.#windowCount < Math.max(Math.floor(this.#limit), 1)) return;
    const mostlySlow = this.#windowSlow > this.#windowCount / 2;
    if (this.#windowDropped || mostlySlow) this.#limit = Math.max(this.#min, this.#limit * 0.9);
    else if (this.#windowBusy) this.#limit = Math.min(this.#max, this.#limit + 1);
    this.#windowCount = 0;
    this.#windowSlow = 0;
    this.#windowDropped = false;
    this.#windowBusy = false;
  }
}

export function windowedVegasLimit(options?: WindowedVegasLimitOptions): WindowedVegasLimit {
  return new WindowedVegasLimit(options);
}
