import type { Priority } from '@rebound/resilience';
import { DEFAULT_LIMIT_INITIAL, DEFAULT_LIMIT_MAX, DEFAULT_LIMIT_MIN } from '../constants.ts';

/** Admission before work starts: a permit per admitted call, released with the call's latency. */
export interface ConcurrencyLimit {
  /** `false` when the call must be shed now. */
  tryAcquire(priority: Priority): boolean;
  /** The admitted call finished after `rttMs`; `dropped` when it timed out or failed from overload. */
  release(rttMs: number, dropped: boolean): void;
  readonly limit: number;
  readonly inflight: number;
}

export interface AdaptiveLimitOptions {
  readonly initial?: number;
  readonly min?: number;
  readonly max?: number;
  /** A call slower than `tolerance × minimum latency` is a sign of queueing (default 2). */
  readonly tolerance?: number;
  /** Samples after which the minimum latency is forgotten and measured again (default 1000). */
  readonly baselineSamples?: number;
}

/** Share of the limit each criticality may use: sheddable traffic is turned away first. */
const SHARE: Record<Priority, number> = {
  'critical-plus': 1,
  critical: 1,
  'sheddable-plus': 0.75,
  sheddable: 0.5,
};

/**
 * An adaptive concurrency limit in the spirit of TCP Vegas and Netflix's concurrency-limits: it tracks the
 * minimum latency (no queue) and, once per window of `limit` completed calls, grows by one when latency stayed
 * within `tolerance × minimum` while the limit was actually used, and shrinks by 10 % when most calls queued or
 * any call timed out. So in-flight work, and with it the latency of admitted calls, stays bounded while the
 * limit follows real capacity (high for I/O-bound handlers, low for CPU-bound ones). A fixed limit is
 * `{ initial: n, min: n, max: n }`.
 *
 * Used until `@rebound/resilience` exports its load-shedding policy for servers (same `tryAcquire`/`release`).
 */
export class AdaptiveConcurrencyLimit implements ConcurrencyLimit {
  #limit: number;
  #inflight = 0;
  readonly #min: number;
  readonly #max: number;
  readonly #tolerance: number;
  readonly #baselineSamples: number;
  #minRtt = Number.POSITIVE_INFINITY;
  #nextMinRtt = Number.POSITIVE_INFINITY;
  #baselineCount = 0;
  #windowCount = 0;
  #windowSlow = 0;
  #windowDropped = false;
  #windowBusy = false;

  constructor(options: AdaptiveLimitOptions = {}) {
    this.#min = options.min ?? DEFAULT_LIMIT_MIN;
    this.#max = options.max ?? DEFAULT_LIMIT_MAX;
    this.#limit = Math.min(this.#max, Math.max(this.#min, options.initial ?? DEFAULT_LIMIT_INITIAL));
    this.#tolerance = options.tolerance ?? 2;
    this.#baselineSamples = options.baselineSamples ?? 1_000;
  }

  get limit(): number {
    return Math.floor(this.#limit);
  }

  get inflight(): number {
    return this.#inflight;
  }

  tryAcquire(priority: Priority): boolean {
    if (this.#inflight >= Math.max(1, Math.floor(this.#limit * SHARE[priority]))) return false;
    this.#inflight++;
    if (this.#inflight >= this.#limit / 2) this.#windowBusy = true;
    return true;
  }

  release(rttMs: number, dropped: boolean): void {
    this.#inflight--;
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
      if (rttMs > this.#tolerance * this.#minRtt) this.#windowSlow++;
    }
    if (++this.#windowCount < Math.max(this.#limit, 1)) return;
    const mostlySlow = this.#windowSlow > this.#windowCount / 2;
    if (this.#windowDropped || mostlySlow) this.#limit = Math.max(this.#min, this.#limit * 0.9);
    else if (this.#windowBusy) this.#limit = Math.min(this.#max, this.#limit + 1);
    this.#windowCount = 0;
    this.#windowSlow = 0;
    this.#windowDropped = false;
    this.#windowBusy = false;
  }
}
