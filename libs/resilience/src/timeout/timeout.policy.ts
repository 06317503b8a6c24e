import { BasePolicy, type Chain } from '../common/base.policy.ts';
import { CoarseTimerList } from '../common/coarse-timer-list.queue.ts';
import { type Event, EventEmitter } from '../common/event.emitter.ts';
import type { ExecutionContext } from '../common/execution.context.ts';
import { type FusedCall, type FusedLayer, PROPAGATE } from '../common/fused-layer.types.ts';
import { type Clock, systemClock, type TimerHandle } from '../common/system.clock.ts';
import type { TimerNode, TimerTarget } from '../common/timer-list.queue.ts';
import { TimeoutError } from '../errors/timeout.error.ts';
import { FusedDeadlineCall, FusedTimedCall, type TimeoutLayer } from './fused-call.timer.ts';

export interface TimeoutOptions {
  /** Monotonic clock and timers; defaults to the process clock (unref'd timers). */
  readonly clock?: Clock;
  /**
   * Timer granularity: a timeout fires no earlier than `timeoutMs` and at most about two resolutions later.
   * Defaults to `timeoutMs / 16` within [1, 250] ms. A deadline shorter than the timeout is timed exactly.
   */
  readonly resolutionMs?: number;
}

/** Emitted when a call is abandoned because its time ran out. */
export interface TimeoutEvent {
  readonly timeoutMs: number;
  /** True when the execution's absolute deadline, not this policy's own duration, ran out first. */
  readonly deadline: boolean;
}

/**
 * One timed call: its own timer node, so a call that finishes in time allocates nothing else. When it fires, the
 * caller is released with a {@link TimeoutError} and the work inside is cancelled.
 */
class TimedCall implements TimerNode, TimerTarget {
  prev: TimerNode | undefined = undefined;
  next: TimerNode | undefined = undefined;
  due = 0;
  target: TimerTarget | undefined = undefined;
  data: unknown = undefined;
  readonly policy: TimeoutPolicy;
  /** The caller's context (abandoned work is recorded there) and the one the work inside runs on. */
  readonly outer: ExecutionContext;
  readonly inner: ExecutionContext;
  /** The exact timer of a deadline-bound call (see DeadlineCall); unused on the coarse list. */
  handle: TimerHandle | undefined = undefined;
  work: Promise<unknown> | undefined = undefined;
  fail: ((error: unknown) => void) | undefined = undefined;

  constructor(policy: TimeoutPolicy, outer: ExecutionContext, inner: ExecutionContext) {
    this.policy = policy;
    this.outer = outer;
    this.inner = inner;
  }

  get timeoutMs(): number {
    return this.policy.timeoutMs;
  }

  get deadlineBound(): boolean {
    return false;
  }

  onTimer(): void {
    const error = new TimeoutError(this.timeoutMs, this.deadlineBound);
    // The callee sees the TimeoutError as its signal's reason; the abandoned work is recorded as lingering so a
    // bulkhead outside keeps its slot until the work really ends. Then the caller is released.
    this.inner.cancel(error);
    if (this.work !== undefined) this.outer.linger(this.work);
    // When a timeout further out already gave up on this call, that one reported it.
    if (!this.outer.abandoned) this.policy.emitTimeout(this);
    this.fail?.(error);
  }
}

/** A call bounded by the execution's deadline rather than the policy's duration: timed exactly. */
class DeadlineCall extends TimedCall {
  readonly remainingMs: number;

  constructor(policy: TimeoutPolicy, outer: ExecutionContext, inner: ExecutionContext, remainingMs: number) {
    super(policy, outer, inner);
    this.remainingMs = remainingMs;
  }

  override get timeoutMs(): number {
    return this.remainingMs;
  }

  override get deadlineBound(): boolean {
    return true;
  }
}

function defaultResolution(timeoutMs: number): number {
  return Math.min(250, Math.max(1, timeoutMs / 16));
}

/**
 * Bounds each call to `timeoutMs`, and never beyond the execution's deadline. On expiry the caller gets a
 * {@link TimeoutError} at once, the callee's `signal` is aborted with that error, and the abandoned work is
 * tracked until it settles (the layers inside this timeout see its real outcome then). Layers inside see the
 * narrowed deadline in `context.deadline`, so a retry inside never sleeps past it.
 *
 * Costs no `setTimeout` and no clock read per call: calls share one coarse, unref'd tick per policy
 * (see `CoarseTimerList`). Only a deadline shorter than `timeoutMs` arms an exact timer of its own.
 */
export class TimeoutPolicy extends BasePolicy implements FusedLayer, TimeoutLayer {
  /** @internal The fast path may abandon the work inside (see FusedLayer). */
  readonly abandons = true;
  readonly timeoutMs: number;
  readonly #list: CoarseTimerList;
  readonly #onTimeout = new EventEmitter<TimeoutEvent>();
  /** Emitted for every call that timed out. */
  readonly onTimeout: Event<TimeoutEvent> = this.#onTimeout.event;

  constructor(timeoutMs: number, options: TimeoutOptions = {}) {
    super(options.clock ?? systemClock);
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new RangeError(`timeout must be a positive finite number of ms, got ${timeoutMs}`);
    }
    this.timeoutMs = timeoutMs;
    this.#list = new CoarseTimerList(
      this.clock,
      timeoutMs,
      options.resolutionMs ?? defaultResolution(timeoutMs),
    );
  }

  /** @internal */
  emitTimeout(call: { readonly timeoutMs: number; readonly deadlineBound: boolean }): void {
    if (this.#onTimeout.hasListeners) {
      this.#onTimeout.emit({ timeoutMs: call.timeoutMs, deadline: call.deadlineBound });
    }
  }

  /**
   * Runs the call on a child context whose deadline is narrowed to this timeout, and settles with its outcome or
   * with a {@link TimeoutError} when time runs out first (the child is then cancelled, and stays so: layers
   * inside see the abandoned attempt through to its real end, while those outside carry on).
   */
  async intercept(context: ExecutionContext, next: Chain): Promise<unknown> {
    const call = this.#schedule(context);
    try {
      const work = next.run(call.inner);
      call.work = work;
      return await new Promise((resolve, reject) => {
        call.fail = reject;
        work.then(resolve, reject);
      });
    } finally {
      if (call instanceof DeadlineCall) call.handle?.cancel();
      else this.#list.remove(call);
      call.inner.release();
    }
  }

  #schedule(context: ExecutionContext): TimedCall {
    const deadline = context.deadline;
    const list = this.#list;
    if (deadline !== Number.POSITIVE_INFINITY) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) throw new TimeoutError(0, true);
      if (remaining < this.timeoutMs + 2 * list.resolutionMs) {
        // The deadline comes first: time it exactly.
        const call = new DeadlineCall(this, context, context.fork(), remaining);
        call.handle = this.clock.setTimer(() => call.onTimer(), remaining);
        return call;
      }
    }
    const call = new TimedCall(this, context, context.fork());
    call.inner.deadline = list.expiry;
    list.insert(call, call);
    return call;
  }

  // ---- Fast path for pipeline(): the behaviour of intercept() above as synchronous hooks (see FusedLayer). ----

  /** @internal Schedule the expiry and narrow the deadline seen inside. */
  enter(call: FusedCall, index: number): unknown {
    const deadline = call.deadline;
    const list = this.#list;
    if (deadline !== Number.POSITIVE_INFINITY) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) throw new TimeoutError(0, true);
      if (remaining < this.timeoutMs + 2 * list.resolutionMs) {
        const timed = new FusedDeadlineCall(this, call, index, deadline, remaining);
        timed.handle = this.clock.setTimer(() => timed.onTimer(), remaining);
        return timed;
      }
    }
    const timed = new FusedTimedCall(this, call, index, deadline);
    call.deadline = list.expiry;
    list.insert(timed, timed);
    return timed;
  }

  /** @internal Unschedule, restore the outer deadline and cancellation state. */
  exit(call: FusedCall, _index: number, token: unknown, detached: boolean): number {
    const timed = token as FusedTimedCall;
    if (timed instanceof FusedDeadlineCall) timed.handle?.cancel();
    else this.#list.remove(timed);
    if (!detached) {
      call.deadline = timed.savedDeadline;
      if (timed.fired) call.restore(timed.cancelToken);
    }
    return PROPAGATE;
  }
}

/** A timeout policy: `timeout(2000)` bounds every call to 2 s (and to the caller's deadline). */
export function timeout(timeoutMs: number, options?: TimeoutOptions): TimeoutPolicy {
  return new TimeoutPolicy(timeoutMs, options);
}
