import { type Event, EventEmitter } from '../common/event.emitter.ts';
import { type Clock, systemClock } from '../common/system.clock.ts';
import {
  DEFAULT_BUDGET_BUCKETS,
  DEFAULT_BUDGET_MIN_RETRIES_PER_SECOND,
  DEFAULT_BUDGET_RATIO,
  DEFAULT_BUDGET_WINDOW_MS,
} from '../constants.ts';

export interface RetryBudgetOptions {
  /** Retries allowed per request seen in the window (0.2 = retries add at most 20% load). */
  readonly ratio?: number;
  /**
   * Retries per second always allowed, whatever the ratio (`× window` of them per window), so that a quiet client,
   * or one whose window is still empty after idling, can still fail over.
   */
  readonly minRetriesPerSecond?: number;
  /** Sliding window over which requests and retries are counted. */
  readonly windowMs?: number;
  /** Buckets the window is divided into (its time resolution). */
  readonly buckets?: number;
  readonly clock?: Clock;
}

/** Emitted when a retry (or hedge) is refused because the budget is spent. */
export interface BudgetExhaustedEvent {
  readonly requests: number;
  readonly retries: number;
}

/**
 * A retry budget shared by every caller of a dependency (one per process and downstream), in the style of
 * Linkerd's (tower's `Budget`): within the sliding window, `retries ≤ minRetriesPerSecond · window + ratio · requests`. During an outage
 * every request fails, yet the load it sends downstream grows by at most `ratio`, never by `maxRetries`×.
 * Hedges draw on the same budget.
 */
export class RetryBudget {
  readonly ratio: number;
  readonly minRetriesPerSecond: number;
  readonly #reserve: number;
  readonly windowMs: number;
  readonly #clock: Clock;
  readonly #bucketMs: number;
  readonly #requests: Float64Array;
  readonly #retries: Float64Array;
  #bucket = 0;
  #totalRequests = 0;
  #totalRetries = 0;
  readonly #onExhausted = new EventEmitter<BudgetExhaustedEvent>();
  /** Emitted every time a retry is refused. */
  readonly onExhausted: Event<BudgetExhaustedEvent> = this.#onExhausted.event;

  constructor(options: RetryBudgetOptions = {}) {
    this.ratio = options.ratio ?? DEFAULT_BUDGET_RATIO;
    this.minRetriesPerSecond = options.minRetriesPerSecond ?? DEFAULT_BUDGET_MIN_RETRIES_PER_SECOND;
    this.windowMs = options.windowMs ?? DEFAULT_BUDGET_WINDOW_MS;
    this.#reserve = (this.minRetriesPerSecond * this.windowMs) / 1000;
    const buckets = options.buckets ?? DEFAULT_BUDGET_BUCKETS;
    if (!(this.ratio >= 0) || !(this.minRetriesPerSecond >= 0) || !(this.windowMs > 0) || !(buckets >= 1)) {
      throw new RangeError(
        'retry budget: ratio and minRetriesPerSecond must be >= 0, windowMs > 0, buckets >= 1',
      );
    }
    this.#clock = options.clock ?? systemClock;
    this.#bucketMs = this.windowMs / buckets;
    this.#requests = new Float64Array(buckets);
    this.#retries = new Float64Array(buckets);
    this.#bucket = Math.floor(this.#clock.now() / this.#bucketMs);
  }

  /** Requests counted in the current window. */
  get requests(): number {
    this.#rotate();
    return this.#totalRequests;
  }

  /** Retries admitted in the current window. */
  get retries(): number {
    this.#rotate();
    return this.#totalRetries;
  }

  /** Counts one original request (not a retry). The retry policy calls this once per execution. */
  recordRequest(): void {
    this.#rotate();
    this.#requests[this.#slot(this.#bucket)]!++;
    this.#totalRequests++;
  }

  /** Takes one retry (or hedge) from the budget; `false`, with an event, when none is left. */
  tryAcquire(): boolean {
    this.#rotate();
    if (this.#totalRetries + 1 > this.#reserve + this.ratio * this.#totalRequests) {
      if (this.#onExhausted.hasListeners) {
        this.#onExhausted.emit({ requests: this.#totalRequests, retries: this.#totalRetries });
      }
      return false;
    }
    this.#retries[this.#slot(this.#bucket)]!++;
    this.#totalRetries++;
    return true;
  }

  #slot(bucket: number): number {
    const size = this.#requests.length;
    return ((bucket % size) + size) % size;
  }

  #rotate(): void {
    const bucket = Math.floor(this.#clock.now() / this.#bucketMs);
    const from = this.#bucket;
    if (bucket === from) return;
    const size = this.#requests.length;
    const steps = Math.min(bucket - from, size);
    for (let i = 1; i <= steps; i++) {
      const slot = this.#slot(from + i);
      this.#totalRequests -= this.#requests[slot]!;
      this.#totalRetries -= this.#retries[slot]!;
      this.#requests[slot] = 0;
      this.#retries[slot] = 0;
    }
    this.#bucket = bucket;
  }
}

/** A retry budget to share between retry (and hedging) policies; see {@link RetryBudget}. */
export function retryBudget(options?: RetryBudgetOptions): RetryBudget {
  return new RetryBudget(options);
}
