import { BasePolicy, type Chain } from '../common/base.policy.ts';
import { type Event, EventEmitter } from '../common/event.emitter.ts';
import type { ExecutionContext } from '../common/execution.context.ts';
import { type FusedCall, type FusedLayer, PROPAGATE, REJECT } from '../common/fused-layer.types.ts';
import { type Clock, systemClock } from '../common/system.clock.ts';
import { TimerEntry, TimerList, type TimerTarget } from '../common/timer-list.queue.ts';
import {
  DEFAULT_BULKHEAD_MAX_CONCURRENT,
  DEFAULT_BULKHEAD_MAX_QUEUE,
  DEFAULT_BULKHEAD_QUEUE_TIMEOUT_MS,
} from '../constants.ts';
import { BulkheadRejectedError, type BulkheadRejection } from '../errors/bulkhead-rejected.error.ts';
import { TaskCancelledError } from '../errors/task-cancelled.error.ts';

export interface BulkheadOptions {
  /** Calls running at once. */
  readonly maxConcurrent?: number;
  /** Callers allowed to wait for a slot; 0 rejects at once when every slot is taken. */
  readonly maxQueue?: number;
  /** How long a queued caller waits before it is rejected with `reason: 'queue-timeout'`. */
  readonly queueTimeoutMs?: number;
  readonly clock?: Clock;
}

export interface BulkheadRejectEvent {
  readonly reason: BulkheadRejection;
}

/** A queued caller: its own timer entry (queue timeout) and abort listener. */
class Waiter extends TimerEntry implements TimerTarget {
  readonly bulkhead: BulkheadPolicy;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal;
  newer: Waiter | undefined = undefined;
  older: Waiter | undefined = undefined;
  queued = true;

  constructor(
    bulkhead: BulkheadPolicy,
    signal: AbortSignal,
    resolve: () => void,
    reject: (e: unknown) => void,
  ) {
    super();
    this.bulkhead = bulkhead;
    this.signal = signal;
    this.resolve = resolve;
    this.reject = reject;
  }

  onTimer(): void {
    this.bulkhead.dequeue(this, new BulkheadRejectedError('queue-timeout'));
  }

  handleEvent(): void {
    this.bulkhead.dequeue(this, new TaskCancelledError(this.signal.reason));
  }
}

const settleAll = (work: readonly PromiseLike<unknown>[]) =>
  Promise.allSettled(work.map((w) => Promise.resolve(w)));

/**
 * Limits concurrency, with a bounded FIFO queue whose callers wait at most `queueTimeoutMs` and leave the queue
 * the moment they abort. A slot is freed only when the work really ends: if a timeout inside abandoned a call
 * that is still running, the slot stays taken until that call settles.
 */
export class BulkheadPolicy extends BasePolicy implements FusedLayer {
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  readonly queueTimeoutMs: number;
  #active = 0;
  #queued = 0;
  #oldest: Waiter | undefined = undefined;
  #newest: Waiter | undefined = undefined;
  readonly #timers: TimerList;
  readonly #releaseLater = (): void => this.#releaseSlot();
  readonly #onReject = new EventEmitter<BulkheadRejectEvent>();
  /** A caller was turned away (full, or waited too long). */
  readonly onReject: Event<BulkheadRejectEvent> = this.#onReject.event;

  constructor(options: BulkheadOptions = {}) {
    super(options.clock ?? systemClock);
    this.maxConcurrent = options.maxConcurrent ?? DEFAULT_BULKHEAD_MAX_CONCURRENT;
    this.maxQueue = options.maxQueue ?? DEFAULT_BULKHEAD_MAX_QUEUE;
    this.queueTimeoutMs = options.queueTimeoutMs ?? DEFAULT_BULKHEAD_QUEUE_TIMEOUT_MS;
    if (!(this.maxConcurrent >= 1) || !(this.maxQueue >= 0) || !(this.queueTimeoutMs > 0)) {
      throw new RangeError('bulkhead: maxConcurrent >= 1, maxQueue >= 0 and queueTimeoutMs > 0 required');
    }
    this.#timers = new TimerList(this.clock, this.queueTimeoutMs);
  }

  /** Calls holding a slot (including abandoned work still running). */
  get active(): number {
    return this.#active;
  }

  /** Callers waiting for a slot. */
  get queued(): number {
    return this.#queued;
  }

  /**
   * Takes a slot (or queues for one, or rejects with `BulkheadRejectedError('full')`), runs the call, and frees
   * the slot once the work really ended: work a timeout inside abandoned keeps it until that work settles.
   */
  async intercept(context: ExecutionContext, next: Chain): Promise<unknown> {
    if (this.#active < this.maxConcurrent) this.#active++;
    else await this.#waitForSlot(context);
    try {
      return await next.run(context);
    } finally {
      this.#release(context);
    }
  }

  /** Resolves when a released slot is handed over; rejects when the queue is full, times out or the caller aborts. */
  #waitForSlot(context: ExecutionContext): Promise<void> {
    if (this.#queued >= this.maxQueue) {
      this.#emitReject('full');
      throw BulkheadRejectedError.fast('full');
    }
    const signal = context.signal;
    if (signal.aborted) throw new TaskCancelledError(signal.reason);
    return new Promise<void>((resolve, reject) => this.#enqueue(signal, resolve, reject));
  }

  // ---- Fast path for pipeline(): the behaviour of intercept() above as synchronous hooks (see FusedLayer). ----

  /** @internal Take a slot, queue for one, or reject with `BulkheadRejectedError('full')`. */
  enter(call: FusedCall): unknown {
    if (this.#active < this.maxConcurrent) {
      this.#active++;
      return undefined;
    }
    if (this.#queued >= this.maxQueue) {
      this.#emitReject('full');
      call.outcome = BulkheadRejectedError.fast('full');
      return REJECT;
    }
    const signal = call.signal;
    if (signal.aborted) throw new TaskCancelledError(signal.reason);
    call.pending = new Promise<void>((resolve, reject) => this.#enqueue(signal, resolve, reject));
    return undefined;
  }

  /** @internal Free the slot once the work really ended. */
  exit(call: FusedCall, _index: number, _token: unknown, detached: boolean): number {
    if (detached) this.#releaseSlot();
    else this.#release(call);
    return PROPAGATE;
  }

  /** @internal Removes a waiter that timed out or aborted. */
  dequeue(waiter: Waiter, error: BulkheadRejectedError | TaskCancelledError): void {
    if (!waiter.queued) return;
    this.#unlink(waiter);
    if (error instanceof BulkheadRejectedError) this.#emitReject(error.reason);
    waiter.reject(error);
  }

  #enqueue(signal: AbortSignal, resolve: () => void, reject: (error: unknown) => void): void {
    const waiter = new Waiter(this, signal, resolve, reject);
    const newest = this.#newest;
    if (newest === undefined) this.#oldest = waiter;
    else {
      newest.newer = waiter;
      waiter.older = newest;
    }
    this.#newest = waiter;
    this.#queued++;
    this.#timers.insert(waiter, waiter);
    signal.addEventListener('abort', waiter);
  }

  #unlink(waiter: Waiter): void {
    waiter.queued = false;
    this.#timers.remove(waiter);
    waiter.signal.removeEventListener('abort', waiter);
    const { older, newer } = waiter;
    if (older === undefined) this.#oldest = newer;
    else older.newer = newer;
    if (newer === undefined) this.#newest = older;
    else newer.older = older;
    waiter.older = waiter.newer = undefined;
    this.#queued--;
  }

  /** Frees the slot now, or once the work abandoned inside settles (handing that work on to layers outside). */
  #release(context: ExecutionContext): void {
    const lingering = context.takeLingering();
    if (lingering === undefined) {
      this.#releaseSlot();
      return;
    }
    for (const work of lingering) context.linger(work);
    settleAll(lingering).then(this.#releaseLater);
  }

  #releaseSlot(): void {
    const oldest = this.#oldest;
    if (oldest === undefined) {
      this.#active--;
      return;
    }
    // Hand the slot straight to the oldest waiter: `active` stays the same.
    this.#unlink(oldest);
    oldest.resolve();
  }

  #emitReject(reason: BulkheadRejection): void {
    if (this.#onReject.hasListeners) this.#onReject.emit({ reason });
  }
}

/** A bulkhead; see {@link BulkheadOptions}. */
export function bulkhead(options?: BulkheadOptions): BulkheadPolicy {
  return new BulkheadPolicy(options);
}
