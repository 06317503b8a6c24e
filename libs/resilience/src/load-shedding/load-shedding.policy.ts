import { DEFAULT_PRIORITY_SHARES, DEFAULT_SHEDDING_HOLD_MS } from '../adaptive.constants.ts';
import { BasePolicy, type Chain } from '../common/base.policy.ts';
import { type Event, EventEmitter } from '../common/event.emitter.ts';
import type { ExecutionContext, Priority } from '../common/execution.context.ts';
import { type Clock, systemClock } from '../common/system.clock.ts';
import { isTimeoutError } from '../errors/error.guards.ts';
import { LoadShedError } from '../errors/load-shed.error.ts';
import { rejectSoon } from '../errors/reject-soon.util.ts';
import { Gradient2Limit } from './gradient2.limit.ts';
import { type ConcurrencyLimit, ExpAverage } from './limit.types.ts';

export interface LoadSheddingOptions {
  /** The limit algorithm: `gradient2Limit()` (default) or `aimdLimit()`, or your own {@link ConcurrencyLimit}. */
  readonly limit?: ConcurrencyLimit;
  /**
   * Fraction of the limit each priority may fill: a call is shed when `inflight >= share × limit`. Defaults:
   * critical-plus 1, critical 0.9, sheddable-plus 0.75, sheddable 0.5 (sheddable traffic goes first).
   */
  readonly shares?: Partial<Readonly<Record<Priority, number>>>;
  /** Errors that signal congestion (the limit backs off); defaults to timeouts. Other errors are not sampled. */
  readonly isDrop?: (error: unknown) => boolean;
  /** `shedding` stays true this long after the last shed call, so readiness does not flap. */
  readonly sheddingHoldMs?: number;
  readonly clock?: Clock;
}

export interface ShedEvent {
  readonly priority: Priority;
  readonly inflight: number;
  readonly limit: number;
  readonly retryAfterMs: number;
}

export interface LimitChangeEvent {
  /** Whole-number limits before and after (the algorithm's value rounded down). */
  readonly from: number;
  readonly to: number;
}

/** How a call admitted with {@link LoadSheddingPolicy.acquire} ended, for the limit algorithm. */
export type PermitOutcome = 'success' | 'drop' | 'ignore';

/**
 * A slot taken outside a pipeline (an HTTP middleware, a message handler). Call `release()` exactly when the work
 * ends; later calls do nothing. `success` samples the latency, `drop` samples it as congestion (a timeout, an
 * overload answer), `ignore` frees the slot without sampling (a caller error, a cancellation).
 */
export class ShedPermit {
  readonly #policy: LoadSheddingPolicy;
  readonly #start: number;
  readonly #inflight: number;
  #released = false;

  /** @internal */
  constructor(policy: LoadSheddingPolicy, start: number, inflight: number) {
    this.#policy = policy;
    this.#start = start;
    this.#inflight = inflight;
  }

  release(outcome: PermitOutcome = 'success'): void {
    if (this.#released) return;
    this.#released = true;
    this.#policy.releasePermit(this.#start, this.#inflight, outcome);
  }
}

/** The limit in force: the algorithm's value rounded down, never below 1 (so the shedder can always sample). */
const wholeLimit = (algorithm: ConcurrencyLimit): number => Math.max(1, Math.floor(algorithm.limit));

const PRIORITIES: readonly Priority[] = ['critical-plus', 'critical', 'sheddable-plus', 'sheddable'];

/**
 * Adaptive concurrency limit with priority shedding. Each call is admitted while the calls in flight stay below
 * its priority's share of the limit, otherwise it fails at once with a stackless {@link LoadShedError} carrying a
 * retry-after hint (the recent average latency: about when a slot frees up). Every completed call feeds its
 * latency to the limit algorithm, so the limit follows the service's real capacity. A call abandoned by a
 * timeout inside keeps its slot until the work really ends.
 */
export class LoadSheddingPolicy extends BasePolicy {
  readonly algorithm: ConcurrencyLimit;
  readonly sheddingHoldMs: number;
  readonly #shares: Record<Priority, number>;
  readonly #isDrop: (error: unknown) => boolean;
  readonly #rtt = new ExpAverage(10, 1);
  #inflight = 0;
  #lastShed = Number.NEGATIVE_INFINITY;
  #wholeLimit: number;
  readonly #release = (): void => {
    this.#inflight--;
  };
  readonly #onShed = new EventEmitter<ShedEvent>();
  readonly #onLimitChange = new EventEmitter<LimitChangeEvent>();
  /** A call was shed. */
  readonly onShed: Event<ShedEvent> = this.#onShed.event;
  /** The (whole) limit moved. */
  readonly onLimitChange: Event<LimitChangeEvent> = this.#onLimitChange.event;

  constructor(options: LoadSheddingOptions = {}) {
    super(options.clock ?? systemClock);
    this.algorithm = options.limit ?? new Gradient2Limit();
    this.#shares = { ...DEFAULT_PRIORITY_SHARES, ...options.shares };
    for (const p of PRIORITIES) {
      const share = this.#shares[p];
      if (!(share > 0 && share <= 1)) throw new RangeError(`load shedding: share of ${p} must be in (0, 1]`);
    }
    this.#isDrop = options.isDrop ?? isTimeoutError;
    this.sheddingHoldMs = options.sheddingHoldMs ?? DEFAULT_SHEDDING_HOLD_MS;
    this.#wholeLimit = wholeLimit(this.algorithm);
  }

  /** Calls in flight (including abandoned work still running). */
  get inflight(): number {
    return this.#inflight;
  }

  /** The limit in force: the algorithm's limit rounded down (at least 1). Admission compares against it. */
  get limit(): number {
    return this.#wholeLimit;
  }

  /** True while calls are being shed (and for `sheddingHoldMs` after the last one): readiness should be off. */
  get shedding(): boolean {
    return this.clock.now() - this.#lastShed < this.sheddingHoldMs;
  }

  intercept(context: ExecutionContext, next: Chain): Promise<unknown> {
    const priority = context.priority;
    const limit = this.#wholeLimit;
    if (this.#inflight >= this.#shares[priority] * limit) {
      return rejectSoon(this.#shed(priority, limit));
    }
    const inflight = ++this.#inflight;
    return this.#run(context, next, inflight);
  }

  /**
   * Admission outside a pipeline: a {@link ShedPermit} to release when the work ends, or the stackless
   * {@link LoadShedError} (with its retry-after hint) when the call must be shed. Same shares, events and limit
   * as `execute()`.
   */
  acquire(priority: Priority = 'critical'): ShedPermit | LoadShedError {
    const limit = this.#wholeLimit;
    if (this.#inflight >= this.#shares[priority] * limit) return this.#shed(priority, limit);
    const inflight = ++this.#inflight;
    return new ShedPermit(this, this.clock.now(), inflight);
  }

  /** @internal Ends a permit's slot (see {@link ShedPermit.release}). */
  releasePermit(start: number, inflight: number, outcome: PermitOutcome): void {
    this.#inflight--;
    if (outcome !== 'ignore') this.#sample(this.clock.now() - start, inflight, outcome === 'drop');
  }

  async #run(context: ExecutionContext, next: Chain, inflight: number): Promise<unknown> {
    const start = this.clock.now();
    let sample = true;
    let dropped = false;
    try {
      return await next.run(context);
    } catch (error) {
      dropped = this.#isDrop(error);
      sample = dropped && !context.callerAborted;
      throw error;
    } finally {
      if (sample) this.#sample(this.clock.now() - start, inflight, dropped);
      const lingering = context.takeLingering();
      if (lingering === undefined) this.#inflight--;
      else {
        // Keep the slot until the abandoned work settles; hand the work back for the layers outside.
        for (const work of lingering) context.linger(work);
        Promise.allSettled(lingering).then(this.#release);
      }
    }
  }

  #sample(rttMs: number, inflight: number, dropped: boolean): void {
    this.#rtt.add(rttMs);
    this.algorithm.update({ rttMs, inflight, dropped });
    const to = wholeLimit(this.algorithm);
    const from = this.#wholeLimit;
    if (to !== from) {
      this.#wholeLimit = to;
      if (this.#onLimitChange.hasListeners) this.#onLimitChange.emit({ from, to });
    }
  }

  #shed(priority: Priority, limit: number): LoadShedError {
    this.#lastShed = this.clock.now();
    const retryAfterMs = Math.max(1, Math.ceil(this.#rtt.value));
    if (this.#onShed.hasListeners) {
      this.#onShed.emit({ priority, inflight: this.#inflight, limit, retryAfterMs });
    }
    return LoadShedError.fast(priority, retryAfterMs);
  }
}

/**
 * Adaptive concurrency with priority shedding: `loadShedding()` (Gradient2) or
 * `loadShedding({ limit: aimdLimit() })`. Put it outermost on a server, before any queue.
 */
export function loadShedding(options?: LoadSheddingOptions): LoadSheddingPolicy {
  return new LoadSheddingPolicy(options);
}
