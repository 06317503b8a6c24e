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
  /** Latency growth tolerated before the limit shrinks (Gradient2: 1.5). */
  readonly tolerance?: number;
  /** How far each update moves the limit toward the new estimate (Gradient2: 0.2). */
  readonly smoothing?: number;
}

/** Share of the limit each criticality may use: sheddable traffic is turned away first. */
const SHARE: Record<Priority, number> = {
  'critical-plus': 1,
  critical: 1,
  'sheddable-plus': 0.75,
  sheddable: 0.5,
};

/**
 * A gradient concurrency limit after Netflix's Gradient2: the limit follows `limit × clamp(tolerance × longRtt /
 * shortRtt, 0.5, 1) + √limit`, so it grows while latency holds and shrinks as soon as queueing inflates it;
 * timeouts cut it by 10 %. A fixed limit is `{ initial: n, min: n, max: n }`.
 *
 * Used until `@rebound/resilience` exports its adaptive limiter with the same `tryAcquire`/`release` shape.
 */
export class AdaptiveConcurrencyLimit implements ConcurrencyLimit {
  #limit: number;
  #inflight = 0;
  readonly #min: number;
  readonly #max: number;
  readonly #tolerance: number;
  readonly #smoothing: number;
  #shortRtt = 0;
  #longRtt = 0;

  constructor(options: AdaptiveLimitOptions = {}) {
    this.#min = options.min ?? DEFAULT_LIMIT_MIN;
    this.#max = options.max ?? DEFAULT_LIMIT_MAX;
    this.#limit = Math.min(this.#max, Math.max(this.#min, options.initial ?? DEFAULT_LIMIT_INITIAL));
    this.#tolerance = options.tolerance ?? 1.5;
    this.#smoothing = options.smoothing ?? 0.2;
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
    return true;
  }

  release(rttMs: number, dropped: boolean): void {
    const inflight = this.#inflight--;
    if (dropped) {
      this.#limit = Math.max(this.#min, this.#limit * 0.9);
      return;
    }
    if (this.#longRtt === 0) {
      this.#shortRtt = this.#longRtt = rttMs;
      return;
    }
    this.#shortRtt += (rttMs - this.#shortRtt) * 0.1;
    this.#longRtt += (rttMs - this.#longRtt) * 0.01;
    // Drift the long average back when it sits above the short one, as Gradient2 does after a load spike.
    if (this.#longRtt / this.#shortRtt > 2) this.#longRtt *= 0.95;
    // An app-limited server (well under its limit) says nothing about whether the limit could grow.
    if (inflight < this.#limit / 2) return;
    const gradient = Math.max(
      0.5,
      Math.min(1, (this.#tolerance * this.#longRtt) / Math.max(this.#shortRtt, 1e-3)),
    );
    const estimate = this.#limit * gradient + Math.sqrt(this.#limit);
    const next = this.#limit * (1 - this.#smoothing) + estimate * this.#smoothing;
    this.#limit = Math.min(this.#max, Math.max(this.#min, next));
  }
}
