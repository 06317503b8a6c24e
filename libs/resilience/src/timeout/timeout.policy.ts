import { type Clock, systemClock, type TimerHandle } from '../common/clock.ts';
import { CoarseTimerList } from '../common/coarse-timer-list.ts';
import { type Event, EventEmitter } from '../common/event.ts';
import type { TimerNode, TimerTarget } from '../common/timer-list.ts';
import { TimeoutError } from '../errors/timeout.error.ts';
import { FusedPolicy } from '../pipeline/fused-policy.ts';
import type { FusedRun } from '../pipeline/fused-run.ts';
import { PROPAGATE } from '../pipeline/fused-run.ts';

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

const NOT_FIRED: unique symbol = Symbol('not fired');

/** One timed call: its own timer node, so a call that finishes in time allocates nothing else. */
class TimedCall implements TimerNode, TimerTarget {
  prev: TimerNode | undefined = undefined;
  next: TimerNode | undefined = undefined;
  due = 0;
  target: TimerTarget | undefined = undefined;
  data: unknown = undefined;
  readonly run: FusedRun;
  readonly index: number;
  readonly savedDeadline: number;
  cancelToken: unknown = NOT_FIRED;

  constructor(run: FusedRun, index: number, savedDeadline: number) {
    this.run = run;
    this.index = index;
    this.savedDeadline = savedDeadline;
  }

  get timeoutMs(): number {
    return (this.run.layerAt(this.index) as TimeoutPolicy).timeoutMs;
  }

  get deadlineBound(): boolean {
    return false;
  }

  onTimer(): void {
    const run = this.run;
    if (!run.holds(this.index, this)) return;
    const error = new TimeoutError(this.timeoutMs, this.deadlineBound);
    // The callee sees the TimeoutError as its signal's reason, and the abandoned work is recorded as lingering
    // so that a bulkhead outside keeps its slot until the work really ends. Then the layers outside unwind.
    this.cancelToken = run.cancel(error);
    if (run.work !== undefined) run.linger(run.work);
    (run.layerAt(this.index) as TimeoutPolicy).emitTimeout(this);
    run.abandon(this.index, error);
  }
}

/** A call bounded by the execution's deadline rather than the policy's duration: timed exactly. */
class DeadlineCall extends TimedCall {
  readonly remainingMs: number;
  handle: TimerHandle | undefined = undefined;

  constructor(run: FusedRun, index: number, savedDeadline: number, remainingMs: number) {
    super(run, index, savedDeadline);
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
export class TimeoutPolicy extends FusedPolicy {
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
  emitTimeout(call: TimedCall): void {
    if (this.#onTimeout.hasListeners) {
      this.#onTimeout.emit({ timeoutMs: call.timeoutMs, deadline: call.deadlineBound });
    }
  }

  /** @internal Fused hook: schedule the expiry and narrow the deadline seen inside. */
  enter(run: FusedRun, index: number): unknown {
    const context = run;
    const deadline = context.deadline;
    const list = this.#list;
    if (deadline !== Number.POSITIVE_INFINITY) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) throw new TimeoutError(0, true);
      if (remaining < this.timeoutMs + 2 * list.resolutionMs) {
        // The deadline comes first: time it exactly.
        const call = new DeadlineCall(run, index, deadline, remaining);
        call.handle = this.clock.setTimer(() => call.onTimer(), remaining);
        return call;
      }
    }
    const call = new TimedCall(run, index, deadline);
    context.deadline = list.expiry;
    list.insert(call, call);
    return call;
  }

  /** @internal Fused hook: unschedule, restore the outer deadline and cancellation state. */
  exit(run: FusedRun, _index: number, token: unknown, detached: boolean): number {
    const call = token as TimedCall;
    if (call instanceof DeadlineCall) call.handle?.cancel();
    else this.#list.remove(call);
    if (!detached) {
      const context = run;
      context.deadline = call.savedDeadline;
      if (call.cancelToken !== NOT_FIRED) context.restore(call.cancelToken);
    }
    return PROPAGATE;
  }
}

/** A timeout policy: `timeout(2000)` bounds every call to 2 s (and to the caller's deadline). */
export function timeout(timeoutMs: number, options?: TimeoutOptions): TimeoutPolicy {
  return new TimeoutPolicy(timeoutMs, options);
}
