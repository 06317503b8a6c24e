import type { FusedCall } from '../common/fused-layer.types.ts';
import type { TimerHandle } from '../common/system.clock.ts';
import type { TimerNode, TimerTarget } from '../common/timer-list.queue.ts';
import { TimeoutError } from '../errors/timeout.error.ts';

/** What a timed call reports its expiry to (the timeout policy). */
export interface TimeoutLayer {
  readonly timeoutMs: number;
  emitTimeout(call: { readonly timeoutMs: number; readonly deadlineBound: boolean }): void;
}

const NOT_FIRED: unique symbol = Symbol('not fired');

/**
 * One timed call on the timeout's fast path (`enter`/`exit` in a fused pipeline): its own timer node, so a call
 * that finishes in time allocates nothing else. The same expiry as the `TimedCall` of `intercept()`, except that
 * the call is cancelled and abandoned through the fused run instead of a forked context.
 */
export class FusedTimedCall implements TimerNode, TimerTarget {
  prev: TimerNode | undefined = undefined;
  next: TimerNode | undefined = undefined;
  due = 0;
  target: TimerTarget | undefined = undefined;
  data: unknown = undefined;
  readonly layer: TimeoutLayer;
  readonly call: FusedCall;
  readonly index: number;
  readonly savedDeadline: number;
  cancelToken: unknown = NOT_FIRED;

  constructor(layer: TimeoutLayer, call: FusedCall, index: number, savedDeadline: number) {
    this.layer = layer;
    this.call = call;
    this.index = index;
    this.savedDeadline = savedDeadline;
  }

  get timeoutMs(): number {
    return this.layer.timeoutMs;
  }

  get deadlineBound(): boolean {
    return false;
  }

  get fired(): boolean {
    return this.cancelToken !== NOT_FIRED;
  }

  onTimer(): void {
    const call = this.call;
    if (!call.holds(this.index, this)) return;
    const error = new TimeoutError(this.timeoutMs, this.deadlineBound);
    // The callee sees the TimeoutError as its signal's reason, and the abandoned work is recorded as lingering
    // so that a bulkhead outside keeps its slot until the work really ends. Then the layers outside unwind.
    this.cancelToken = call.cancel(error);
    if (call.work !== undefined) call.linger(call.work);
    this.layer.emitTimeout(this);
    call.abandon(this.index, error);
  }
}

/** A fused call bounded by the execution's deadline rather than the policy's duration: timed exactly. */
export class FusedDeadlineCall extends FusedTimedCall {
  readonly remainingMs: number;
  handle: TimerHandle | undefined = undefined;

  constructor(
    layer: TimeoutLayer,
    call: FusedCall,
    index: number,
    savedDeadline: number,
    remainingMs: number,
  ) {
    super(layer, call, index, savedDeadline);
    this.remainingMs = remainingMs;
  }

  override get timeoutMs(): number {
    return this.remainingMs;
  }

  override get deadlineBound(): boolean {
    return true;
  }
}
