import { DEFAULT_HEDGE_DELAY_MS, DEFAULT_MAX_HEDGES } from '../adaptive.constants.ts';
import { BasePolicy, type Chain } from '../common/base.policy.ts';
import { type Event, EventEmitter } from '../common/event.emitter.ts';
import type { ExecutionContext } from '../common/execution.context.ts';
import { type Clock, systemClock, type TimerHandle } from '../common/system.clock.ts';
import { TimerEntry, TimerList, type TimerTarget } from '../common/timer-list.queue.ts';
import { isCancellation } from '../errors/error.guards.ts';
import { TaskCancelledError } from '../errors/task-cancelled.error.ts';
import type { HedgeDelay } from './percentile.delay.ts';

/**
 * The part of a retry budget hedging uses (`retryBudget()` fits), so retries and hedges can share one budget.
 */
export interface HedgeBudget {
  recordRequest(): void;
  tryAcquire(): boolean;
}

export interface HedgingOptions {
  /** Extra attempts after the first, at most. */
  readonly maxHedges?: number;
  /** Wait this long (ms) for an attempt before sending the next, or follow a latency percentile (`percentileDelay()`). */
  readonly delay?: number | HedgeDelay;
  /** Every hedge takes a token from this budget; with none left, no hedge is sent. */
  readonly budget?: HedgeBudget;
  /**
   * Whether this policy counts each execution as a request on `budget`. Leave `true` unless a retry policy
   * around the same calls already counts them on the same budget.
   */
  readonly recordRequests?: boolean;
  /** Whether a hedge could go anywhere useful now (say, another replica is there); `false` skips it. */
  readonly canHedge?: () => boolean;
  /**
   * Failures that mean "try another attempt now" (the next hedge is sent at once instead of after the delay).
   * Any other failure is a final answer, like a success. Defaults to every error except cancellations.
   */
  readonly handle?: (error: unknown) => boolean;
  readonly clock?: Clock;
}

export interface HedgeEvent {
  /** 1 for the first hedge. */
  readonly hedge: number;
  /** Milliseconds since the execution started. */
  readonly afterMs: number;
  /** `delay`: the attempts in flight were too slow; `failure`: an attempt failed with a handled error. */
  readonly trigger: 'delay' | 'failure';
}

export interface HedgeSkipEvent {
  readonly reason: 'budget' | 'not-idempotent' | 'no-target';
}

export interface HedgeSettleEvent {
  /** Which attempt gave the answer (0 = the first), or -1 when every attempt failed. */
  readonly winner: number;
  /** Attempts sent in total. */
  readonly attempts: number;
  readonly failed: boolean;
}

/** The abort reason the losing attempts' signals receive. */
const LOST = new TaskCancelledError('hedge lost: another attempt answered first');

class FixedDelay implements HedgeDelay {
  readonly #ms: number;
  constructor(ms: number) {
    this.#ms = ms;
  }
  delayMs(): number {
    return this.#ms;
  }
  record(): void {}
}

/**
 * One hedged execution: its attempts, their contexts and the hedge timer. It is its own entry in the policy's
 * shared timer list when the delay is fixed, so a call answered in time costs no `setTimeout`.
 */
class HedgedCall extends TimerEntry implements TimerTarget {
  readonly #policy: HedgingPolicy;
  readonly #context: ExecutionContext;
  readonly #next: Chain;
  /** When the execution started (clock reads are costly: derived from the timer entry where possible). */
  #start = Number.NaN;
  readonly #attempts: ExecutionContext[] = [];
  readonly #works: Promise<unknown>[] = [];
  /** Start of each attempt, kept only when the delay learns from latencies. */
  readonly #starts: number[] | undefined;
  #inflight = 0;
  #done = false;
  #timer: TimerHandle | undefined = undefined;
  #resolve!: (value: unknown) => void;
  #reject!: (error: unknown) => void;

  constructor(policy: HedgingPolicy, context: ExecutionContext, next: Chain) {
    super();
    this.#policy = policy;
    this.#context = context;
    this.#next = next;
    this.#starts = policy.delay instanceof FixedDelay ? undefined : [];
  }

  start(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      this.#launch();
    });
  }

  #launch(): void {
    const index = this.#attempts.length;
    const child = this.#context.fork();
    this.#attempts.push(child);
    const starts = this.#starts;
    if (starts !== undefined) {
      const now = this.#policy.clock.now();
      starts.push(now);
      if (index === 0) this.#start = now;
    } else if (index === 0 && this.#policy.timers === undefined) {
      this.#start = this.#policy.clock.now();
    }
    this.#inflight++;
    let work: Promise<unknown>;
    try {
      work = this.#next.run(child);
    } catch (error) {
      work = Promise.reject(error);
    }
    this.#works.push(work);
    work.then(
      (value) => this.#succeeded(index, value),
      (error: unknown) => this.#failed(index, error),
    );
    if (index < this.#policy.maxHedges) this.#arm();
  }

  /** @internal Hedge timer expiry (shared timer list). */
  onTimer(): void {
    this.#hedge('delay');
  }

  #arm(): void {
    const list = this.#policy.timers;
    if (list !== undefined) {
      list.remove(this);
      list.insert(this, this);
      if (Number.isNaN(this.#start)) this.#start = this.due - this.#policy.delay.delayMs();
      return;
    }
    this.#timer?.cancel();
    this.#timer = this.#policy.clock.setTimer(() => {
      this.#timer = undefined;
      this.#hedge('delay');
    }, this.#policy.delay.delayMs());
  }

  #disarm(): void {
    this.#policy.timers?.remove(this);
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** Sends the next hedge if allowed; returns whether it did. */
  #hedge(trigger: HedgeEvent['trigger']): boolean {
    const hedge = this.#attempts.length;
    const context = this.#context;
    if (this.#done || hedge > this.#policy.maxHedges || context.aborted || context.remaining() <= 0)
      return false;
    const policy = this.#policy;
    if (!policy.canHedge()) {
      policy.emitSkip('no-target');
      return false;
    }
    if (policy.budget !== undefined && !policy.budget.tryAcquire()) {
      policy.emitSkip('budget');
      return false;
    }
    policy.emitHedge(hedge, this.#start, trigger);
    this.#launch();
    return true;
  }

  #succeeded(index: number, value: unknown): void {
    if (this.#done) return;
    const starts = this.#starts;
    if (starts !== undefined) this.#policy.delay.record(this.#policy.clock.now() - starts[index]!);
    this.#finish(index, false, value);
  }

  #failed(index: number, error: unknown): void {
    if (this.#done) return;
    this.#inflight--;
    if (!this.#policy.handles(error)) {
      this.#finish(index, true, error);
      return;
    }
    if (this.#hedge('failure') || this.#inflight > 0) return;
    this.#finish(-1, true, error);
  }

  #finish(winner: number, failed: boolean, outcome: unknown): void {
    this.#done = true;
    this.#disarm();
    const attempts = this.#attempts;
    for (let i = 0; i < attempts.length; i++) {
      attempts[i]!.release();
      if (i === winner) continue;
      // Cancel the losers through their signals; a bulkhead outside keeps its slot until they really end.
      attempts[i]!.cancel(LOST);
      this.#context.linger(this.#works[i]!);
    }
    this.#policy.emitSettle(winner, attempts.length, failed);
    if (failed) this.#reject(outcome);
    else this.#resolve(outcome);
  }
}

/**
 * Hedging: when an attempt has not answered after `delay`, send another (up to `maxHedges`), and take the first
 * answer. The losers are cancelled through their own `signal` (each attempt gets a forked context). Only
 * idempotent executions are hedged (`idempotent: false` runs once, plainly). Each hedge takes a token from the
 * optional shared budget, the same one retries use, so hedging cannot multiply load during an outage.
 */
export class HedgingPolicy extends BasePolicy {
  readonly maxHedges: number;
  readonly delay: HedgeDelay;
  readonly budget: HedgeBudget | undefined;
  /** @internal Shared expiries when the delay is fixed (one clock timer for every call in flight). */
  readonly timers: TimerList | undefined;
  readonly #recordRequests: boolean;
  readonly #canHedge: () => boolean;
  readonly #handle: (error: unknown) => boolean;
  readonly #onHedge = new EventEmitter<HedgeEvent>();
  readonly #onSkip = new EventEmitter<HedgeSkipEvent>();
  readonly #onSettle = new EventEmitter<HedgeSettleEvent>();
  /** A hedge was sent. */
  readonly onHedge: Event<HedgeEvent> = this.#onHedge.event;
  /** A hedge was not sent (budget spent, nowhere to send it), or a call was not hedged at all (not idempotent). */
  readonly onSkip: Event<HedgeSkipEvent> = this.#onSkip.event;
  /** A hedged execution settled: which attempt won. */
  readonly onSettle: Event<HedgeSettleEvent> = this.#onSettle.event;

  constructor(options: HedgingOptions = {}) {
    super(options.clock ?? systemClock);
    this.maxHedges = options.maxHedges ?? DEFAULT_MAX_HEDGES;
    if (!(this.maxHedges >= 0) || !Number.isInteger(this.maxHedges)) {
      throw new RangeError(`hedging: maxHedges must be an integer >= 0, got ${this.maxHedges}`);
    }
    const delay = options.delay ?? DEFAULT_HEDGE_DELAY_MS;
    if (typeof delay === 'number' && !(delay >= 0))
      throw new RangeError(`hedging: delay must be >= 0, got ${delay}`);
    this.delay = typeof delay === 'number' ? new FixedDelay(delay) : delay;
    this.timers = typeof delay === 'number' && delay > 0 ? new TimerList(this.clock, delay) : undefined;
    this.budget = options.budget;
    this.#recordRequests = options.recordRequests ?? true;
    this.#canHedge = options.canHedge ?? (() => true);
    this.#handle = options.handle ?? ((error) => !isCancellation(error));
  }

  intercept(context: ExecutionContext, next: Chain): Promise<unknown> {
    if (!context.idempotent || this.maxHedges === 0) {
      if (!context.idempotent) this.emitSkip('not-idempotent');
      return next.run(context);
    }
    if (this.#recordRequests) this.budget?.recordRequest();
    return new HedgedCall(this, context, next).start();
  }

  /** @internal */
  canHedge(): boolean {
    return this.#canHedge();
  }

  /** @internal */
  handles(error: unknown): boolean {
    return this.#handle(error);
  }

  /** @internal */
  emitHedge(hedge: number, start: number, trigger: HedgeEvent['trigger']): void {
    if (!this.#onHedge.hasListeners) return;
    const afterMs = Number.isNaN(start) ? 0 : this.clock.now() - start;
    this.#onHedge.emit({ hedge, afterMs, trigger });
  }

  /** @internal */
  emitSkip(reason: HedgeSkipEvent['reason']): void {
    if (this.#onSkip.hasListeners) this.#onSkip.emit({ reason });
  }

  /** @internal */
  emitSettle(winner: number, attempts: number, failed: boolean): void {
    if (this.#onSettle.hasListeners) this.#onSettle.emit({ winner, attempts, failed });
  }
}

/** A hedging policy: `hedging({ delay: 50, maxHedges: 1, budget })` or `hedging({ delay: percentileDelay() })`. */
export function hedging(options?: HedgingOptions): HedgingPolicy {
  return new HedgingPolicy(options);
}
