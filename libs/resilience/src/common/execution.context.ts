import type { Clock } from './system.clock.ts';

/** Criticality of a call, as in the SRE book: sheddable traffic is dropped first, critical-plus last. */
export type Priority = 'critical-plus' | 'critical' | 'sheddable-plus' | 'sheddable';

/** Per-call options accepted by every `execute()`. */
export interface ExecuteOptions {
  /** The caller's cancellation: aborting it cancels the execution and reaches the callee's `signal`. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Absolute deadline on the policy's clock (see `deadlineAfter()`), for example read from an incoming request.
   * No attempt or backoff starts that cannot finish before it; a passed deadline fails at once.
   */
  readonly deadline?: number | undefined;
  /** Who the call is for (a client or tenant id), for keyed policies such as per-client rate limits. */
  readonly key?: string | undefined;
  /** Criticality for load shedding; defaults to `'critical'`. */
  readonly priority?: Priority | undefined;
  /** Set to `false` for calls that must never be repeated (no retry, no hedge). Defaults to `true`. */
  readonly idempotent?: boolean | undefined;
}

/** The work a policy protects. It receives the execution context: read `signal` and `deadline` from it. */
export type Operation<T> = (context: ExecutionContext) => T | PromiseLike<T>;

const NOT_CANCELLED: unique symbol = Symbol('not cancelled');

/**
 * The state of one execution as it passes through a pipeline: cancellation, deadline, attempt number and the
 * caller's routing hints. One object per call; policies share it instead of allocating wrappers.
 *
 * The `signal` is created lazily: an operation that never reads it costs no `AbortController` and no listener.
 * Read it synchronously when the operation starts (a retry gives each attempt a fresh signal).
 */
export class ExecutionContext {
  readonly clock: Clock;
  readonly operation: Operation<unknown>;
  /** Absolute deadline on `clock` (`Infinity` when none); timeouts narrow it for the layers inside them. */
  deadline: number;
  /** 0 for the first call, then 1, 2, … for retries (set by the retry policy). */
  attempt = 0;
  readonly #options: ExecuteOptions | undefined;
  readonly #parent: ExecutionContext | undefined;
  #controller: AbortController | undefined = undefined;
  #cancelReason: unknown = NOT_CANCELLED;
  #upstream: AbortSignal | undefined = undefined;
  #lingering: PromiseLike<unknown>[] | undefined = undefined;

  constructor(
    operation: Operation<unknown>,
    clock: Clock,
    options?: ExecuteOptions,
    parent?: ExecutionContext,
  ) {
    this.operation = operation;
    this.clock = clock;
    this.#parent = parent;
    if (parent !== undefined) {
      this.#options = parent.#options;
      this.deadline = parent.deadline;
      this.attempt = parent.attempt;
    } else {
      this.#options = options;
      this.deadline = options?.deadline ?? Number.POSITIVE_INFINITY;
    }
  }

  /** Who the call is for (`ExecuteOptions.key`). */
  get key(): string | undefined {
    return this.#options?.key;
  }

  /** Criticality for load shedding (`ExecuteOptions.priority`, default `'critical'`). */
  get priority(): Priority {
    return this.#options?.priority ?? 'critical';
  }

  /** False when the call must never be repeated (`ExecuteOptions.idempotent`, default `true`). */
  get idempotent(): boolean {
    return this.#options?.idempotent ?? true;
  }

  get #callerSignal(): AbortSignal | undefined {
    return this.#parent === undefined ? this.#options?.signal : undefined;
  }

  /** The signal to hand to the callee (fetch, grpc-js, kafkajs…). Aborted with a `TimeoutError` on timeout. */
  get signal(): AbortSignal {
    let controller = this.#controller;
    if (controller === undefined) {
      controller = this.#controller = new AbortController();
      if (this.#cancelReason !== NOT_CANCELLED) {
        controller.abort(this.#cancelReason);
      } else {
        const upstream = this.#parent !== undefined ? this.#parent.signal : this.#callerSignal;
        if (upstream?.aborted) controller.abort(upstream.reason);
        else if (upstream !== undefined && this.#upstream === undefined) {
          this.#upstream = upstream;
          upstream.addEventListener('abort', this);
        }
      }
    }
    return controller.signal;
  }

  /** Milliseconds left before the deadline (`Infinity` when none, never negative): put this on the wire. */
  remaining(): number {
    const deadline = this.deadline;
    if (deadline === Number.POSITIVE_INFINITY) return deadline;
    const left = deadline - this.clock.now();
    return Math.max(left, 0);
  }

  /** True once the caller aborted, or a timeout enclosing the current layer fired. */
  get aborted(): boolean {
    if (this.#cancelReason !== NOT_CANCELLED) return true;
    if (this.#parent !== undefined) return this.#parent.aborted;
    return this.#callerSignal?.aborted ?? false;
  }

  /** Why the execution was aborted (the caller's reason or a `TimeoutError`); `undefined` when it was not. */
  get abortReason(): unknown {
    if (this.#cancelReason !== NOT_CANCELLED) return this.#cancelReason;
    if (this.#parent !== undefined) return this.#parent.abortReason;
    return this.#callerSignal?.aborted ? this.#callerSignal.reason : undefined;
  }

  /**
   * True when a policy gave up on this context or one it was forked from (a timeout fired, a hedge lost), as
   * opposed to the caller aborting.
   */
  get abandoned(): boolean {
    if (this.#cancelReason !== NOT_CANCELLED) return true;
    return this.#parent?.abandoned ?? false;
  }

  /** True when the abort came from the caller (its signal or a parent context), not from a timeout inside. */
  get callerAborted(): boolean {
    if (this.#parent !== undefined) return this.#parent.aborted;
    return this.#callerSignal?.aborted ?? false;
  }

  /**
   * Cancels the work running under this context: aborts the current signal (if anyone read it) with `reason` and
   * marks the context aborted, so that loops inside stop and new signals start aborted. Policies cancel the
   * contexts they {@link fork} (a timeout its attempt, hedging its losers), so the layers outside carry on; the
   * fused fast path, where layers share one context, cancels it and undoes that with {@link restore}(token).
   */
  cancel(reason: unknown): unknown {
    const previous = this.#cancelReason;
    if (previous === NOT_CANCELLED) this.#cancelReason = reason;
    const controller = this.#controller;
    if (controller !== undefined) {
      this.#controller = undefined;
      controller.abort(reason);
    }
    return previous;
  }

  /** Undoes {@link cancel} for the layers outside the one that cancelled; the next `signal` read is fresh. */
  restore(token: unknown): void {
    this.#cancelReason = token;
    if (this.#controller?.signal.aborted) this.#controller = undefined;
  }

  /**
   * Records work that was abandoned but is still running (an aggressive timeout rejected before the callee
   * settled). A bulkhead around it keeps its slot until this work really ends.
   */
  linger(work: PromiseLike<unknown>): void {
    if (this.#lingering === undefined) this.#lingering = [work];
    else this.#lingering.push(work);
    this.#parent?.linger(work);
  }

  /** Abandoned work still running, if any (see {@link linger}); cleared by the call. */
  takeLingering(): PromiseLike<unknown>[] | undefined {
    const lingering = this.#lingering;
    this.#lingering = undefined;
    return lingering;
  }

  /** A child context for a concurrent attempt (hedging): own signal, inherits deadline and cancellation. */
  fork(): ExecutionContext {
    return new ExecutionContext(this.operation, this.clock, undefined, this);
  }

  /** Invokes the operation with this context, always returning a promise (sync throws become rejections). */
  invoke(): Promise<unknown> {
    try {
      const result = this.operation(this);
      return result instanceof Promise ? result : Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Detaches from the caller's signal; called by `execute()` when the execution settles. */
  release(): void {
    const upstream = this.#upstream;
    if (upstream !== undefined) {
      this.#upstream = undefined;
      upstream.removeEventListener('abort', this);
    }
  }

  /** @internal The caller's signal aborted: abort the callee's signal with the same reason. */
  handleEvent(): void {
    const controller = this.#controller;
    const upstream = this.#upstream;
    if (controller !== undefined && upstream !== undefined) {
      this.#controller = undefined;
      controller.abort(upstream.reason);
    }
  }
}
