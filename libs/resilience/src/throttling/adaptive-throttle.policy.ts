import {
  DEFAULT_THROTTLE_BUCKETS,
  DEFAULT_THROTTLE_K,
  DEFAULT_THROTTLE_WINDOW_MS,
} from '../adaptive.constants.ts';
import { BasePolicy, type Chain } from '../common/base.policy.ts';
import { type Event, EventEmitter } from '../common/event.emitter.ts';
import type { ExecutionContext } from '../common/execution.context.ts';
import { type Random, systemRandom } from '../common/seeded.random.ts';
import { type Clock, systemClock } from '../common/system.clock.ts';
import { isTaskCancelledError } from '../errors/error.guards.ts';
import { rejectSoon } from '../errors/reject-soon.util.ts';
import { ThrottledError } from '../errors/throttled.error.ts';

export interface AdaptiveThrottleOptions {
  /** Accepts multiplier: the client sends up to `K ×` what the backend accepted before rejecting locally. */
  readonly k?: number;
  /** Sliding window over which requests and accepts are counted. */
  readonly windowMs?: number;
  /** Buckets the window is split into (its time resolution). */
  readonly buckets?: number;
  /**
   * Whether a failed call still counts as accepted by the backend (it answered, just not with success: a
   * "not found", an invalid argument). Defaults to `false` for every error except the caller's own cancellation
   * (which counts as accepted, so giving up never throttles the backend).
   */
  readonly isAccepted?: (error: unknown) => boolean;
  readonly clock?: Clock;
  readonly random?: Random;
}

export interface ThrottleEvent {
  readonly probability: number;
  readonly requests: number;
  readonly accepts: number;
}

const defaultIsAccepted = (error: unknown): boolean =>
  isTaskCancelledError(error) ||
  (typeof error === 'object' && error !== null && (error as Error).name === 'AbortError');

/**
 * Client-side adaptive throttling from the Google SRE book ("Handling overload"): over a sliding window the
 * client counts `requests` (every call, including those it rejected itself) and `accepts` (calls the backend
 * answered), and rejects a new call locally with probability `max(0, (requests − K·accepts) / (requests + 1))`.
 * While the backend is healthy nothing is rejected; when it rejects most work, the client stops sending most
 * of it, and the few calls that still go out detect the recovery. Rejections are stackless
 * {@link ThrottledError}s; the random source is injected.
 */
export class AdaptiveThrottlePolicy extends BasePolicy {
  readonly k: number;
  readonly windowMs: number;
  readonly #random: Random;
  readonly #isAccepted: (error: unknown) => boolean;
  readonly #bucketMs: number;
  readonly #requests: Float64Array;
  readonly #accepts: Float64Array;
  #bucket: number;
  #totalRequests = 0;
  #totalAccepts = 0;
  readonly #onThrottle = new EventEmitter<ThrottleEvent>();
  /** A call was rejected locally. */
  readonly onThrottle: Event<ThrottleEvent> = this.#onThrottle.event;
  readonly #accept = (value: unknown): unknown => {
    this.#add(this.#accepts, 1);
    return value;
  };
  readonly #fail = (error: unknown): never => {
    if (this.#isAccepted(error)) this.#add(this.#accepts, 1);
    throw error;
  };

  constructor(options: AdaptiveThrottleOptions = {}) {
    super(options.clock ?? systemClock);
    this.k = options.k ?? DEFAULT_THROTTLE_K;
    this.windowMs = options.windowMs ?? DEFAULT_THROTTLE_WINDOW_MS;
    const buckets = options.buckets ?? DEFAULT_THROTTLE_BUCKETS;
    if (!(this.k >= 1) || !(this.windowMs > 0) || !(buckets >= 1) || !Number.isInteger(buckets)) {
      throw new RangeError('adaptive throttle: k >= 1, windowMs > 0 and an integer buckets >= 1 required');
    }
    this.#random = options.random ?? systemRandom;
    this.#isAccepted = options.isAccepted ?? defaultIsAccepted;
    this.#bucketMs = this.windowMs / buckets;
    this.#requests = new Float64Array(buckets);
    this.#accepts = new Float64Array(buckets);
    this.#bucket = Math.floor(this.clock.now() / this.#bucketMs);
  }

  /** Requests counted in the current window. */
  get requests(): number {
    this.#rotate();
    return this.#totalRequests;
  }

  /** Accepts counted in the current window. */
  get accepts(): number {
    this.#rotate();
    return this.#totalAccepts;
  }

  /** The probability with which the next call would be rejected. */
  get probability(): number {
    this.#rotate();
    return this.#probability();
  }

  /**
   * Decides one call outside a pipeline: counts the request and returns `true` if it may be sent. Report the
   * backend's answer with {@link recordAccept} when it accepted.
   */
  tryAcquire(): boolean {
    this.#rotate();
    const p = this.#probability();
    // Already rotated: count into the current bucket without reading the clock again.
    const size = this.#requests.length;
    this.#requests[((this.#bucket % size) + size) % size]! += 1;
    this.#totalRequests += 1;
    if (p > 0 && this.#random.next() < p) {
      if (this.#onThrottle.hasListeners) {
        this.#onThrottle.emit({ probability: p, requests: this.#totalRequests, accepts: this.#totalAccepts });
      }
      return false;
    }
    return true;
  }

  /** Counts one call the backend accepted (see {@link tryAcquire}). */
  recordAccept(): void {
    this.#add(this.#accepts, 1);
  }

  intercept(context: ExecutionContext, next: Chain): Promise<unknown> {
    if (!this.tryAcquire()) return rejectSoon(ThrottledError.fast(this.#probability()));
    return next.run(context).then(this.#accept, this.#fail);
  }

  #probability(): number {
    const requests = this.#totalRequests;
    const p = (requests - this.k * this.#totalAccepts) / (requests + 1);
    return Math.max(p, 0);
  }

  #add(counts: Float64Array, n: number): void {
    this.#rotate();
    const size = counts.length;
    counts[((this.#bucket % size) + size) % size]! += n;
    if (counts === this.#requests) this.#totalRequests += n;
    else this.#totalAccepts += n;
  }

  #rotate(): void {
    const bucket = Math.floor(this.clock.now() / this.#bucketMs);
    const from = this.#bucket;
    if (bucket === from) return;
    const size = this.#requests.length;
    const steps = Math.min(bucket - from, size);
    for (let i = 1; i <= steps; i++) {
      const slot = (((from + i) % size) + size) % size;
      this.#totalRequests -= this.#requests[slot]!;
      this.#totalAccepts -= this.#accepts[slot]!;
      this.#requests[slot] = 0;
      this.#accepts[slot] = 0;
    }
    this.#bucket = bucket;
  }
}

/** Client-side adaptive throttling (Google SRE, K = 2 over 2 minutes): `adaptiveThrottle()`. */
export function adaptiveThrottle(options?: AdaptiveThrottleOptions): AdaptiveThrottlePolicy {
  return new AdaptiveThrottlePolicy(options);
}
