import type { Clock } from '../common/clock.ts';
import { type ExecuteOptions, ExecutionContext, type Operation } from '../common/execution-context.ts';
import type { Chain } from '../common/policy.ts';
import { TaskCancelledError } from '../errors/task-cancelled.error.ts';
import { TimeoutError } from '../errors/timeout.error.ts';
import { type FusedLayer, REJECT, RETRY } from './fused-layer.ts';

/** A segment of adjacent fused layers around an inner chain; built once per pipeline. */
export class FusedSegment implements Chain {
  readonly layers: readonly FusedLayer[];
  readonly inner: Chain;
  /** True when some layer may abandon an attempt (a timeout): waits are then raced against abandonment. */
  readonly abandons: boolean;

  constructor(layers: readonly FusedLayer[], inner: Chain) {
    this.layers = layers;
    this.inner = inner;
    this.abandons = layers.some((layer) => layer.abandons === true);
  }

  /** Runs inside an existing execution: the run is a child context of `context` (see `fork()`). */
  run(context: ExecutionContext): Promise<unknown> {
    return new FusedRun(this, context.operation, context.clock, undefined, context).drive();
  }

  /** Runs at the top of an execution: the run itself is the execution context, saving an object per call. */
  execute<T>(operation: Operation<T>, clock: Clock, options: ExecuteOptions | undefined): Promise<T> {
    if (options !== undefined) {
      const { signal, deadline } = options;
      if (signal?.aborted) return Promise.reject(new TaskCancelledError(signal.reason));
      if (deadline !== undefined && deadline <= clock.now()) return Promise.reject(new TimeoutError(0, true));
    }
    return new FusedRun(
      this,
      operation as Operation<unknown>,
      clock,
      options,
      undefined,
    ).drive() as Promise<T>;
  }
}

const ABANDONED: unique symbol = Symbol('abandoned');
const ignore = (): void => {};

/**
 * A rejection decided synchronously is delivered one microtask later, so the caller's handler is attached first
 * and Node's unhandled-rejection bookkeeping (microseconds per call) never runs.
 */
function rejectSoon(error: unknown): Promise<never> {
  return new Promise((_, reject) => queueMicrotask(() => reject(error)));
}

/**
 * One call through a fused segment: enters the layers in order, runs the inner chain, exits them in reverse,
 * re-entering the layers inside a retry when it asks. One async driver and one await per attempt, however many
 * layers; a wait is raced (one extra promise) only in segments that contain a timeout.
 */
export class FusedRun extends ExecutionContext {
  readonly #layers: readonly FusedLayer[];
  readonly #inner: Chain;
  readonly #raced: boolean;
  readonly #tokens: unknown[];
  /** Layers currently entered (0..depth-1). */
  #depth = 0;
  #done = false;
  #abandonIndex = -1;
  #abandonError: unknown = undefined;
  #rejectWait: ((reason: unknown) => void) | undefined = undefined;
  /** Whether the outcome travelling outwards is an error. Layers may replace it in `exit`. */
  failed = false;
  /** The value or error travelling outwards. */
  outcome: unknown = undefined;
  /** Set by a layer to make the run wait (see {@link FusedLayer}). */
  pending: PromiseLike<unknown> | undefined = undefined;
  /**
   * Set by a layer returning RETRY: resolves when the retry may start (a backoff sleep); resolving to `false`
   * means the layer gave up meanwhile and the run unwinds outside it with the current outcome.
   */
  sleep: PromiseLike<unknown> | undefined = undefined;
  /** The promise of the attempt in flight (for layers that record abandoned work). */
  work: Promise<unknown> | undefined = undefined;

  constructor(
    segment: FusedSegment,
    operation: Operation<unknown>,
    clock: Clock,
    options: ExecuteOptions | undefined,
    parent: ExecutionContext | undefined,
  ) {
    super(operation, clock, options, parent);
    this.#layers = segment.layers;
    this.#inner = segment.inner;
    this.#raced = segment.abandons;
    this.#tokens = new Array(segment.layers.length);
  }

  /** The execution context the layers see: the run itself. */
  get context(): ExecutionContext {
    return this;
  }

  /** True while layer `index` is entered with `token` (not exited, not abandoned, not a later attempt's). */
  holds(index: number, token: unknown): boolean {
    return !this.#done && index < this.#depth && this.#tokens[index] === token;
  }

  /** Replaces the token of layer `index` (a retry keeping its count). */
  setToken(index: number, token: unknown): void {
    this.#tokens[index] = token;
  }

  /**
   * Gives up on whatever runs inside layer `index` (a timeout firing): the layers inside it are detached and
   * exit when the abandoned work settles, while layer `index` and those outside unwind now with `error`.
   */
  abandon(index: number, error: unknown): void {
    if (this.#done || index >= this.#depth || this.#abandonIndex >= 0) return;
    const from = index + 1;
    if (this.#depth > from) {
      const tokens = this.#tokens.slice(from, this.#depth);
      const work = this.work ?? Promise.resolve();
      work.then(
        (value) => this.#exitDetached(from, tokens, false, value),
        (failure: unknown) => this.#exitDetached(from, tokens, true, failure),
      );
    }
    this.#abandonIndex = index;
    this.#abandonError = error;
    const reject = this.#rejectWait;
    this.#rejectWait = undefined;
    reject?.(ABANDONED);
  }

  /** Runs the call; the returned promise settles with the outcome that reaches the outermost layer. */
  drive(): Promise<unknown> {
    // Fast fail: the outermost layer rejects at once (an open breaker, a full bulkhead) and nothing is outside
    // it to unwind: no async machinery, no throw.
    const first = this.#layers[0];
    if (first !== undefined && this.pending === undefined) {
      let token: unknown;
      try {
        token = first.enter(this, 0);
      } catch (error) {
        token = REJECT;
        this.outcome = error;
      }
      if (token === REJECT) {
        this.pending = undefined;
        this.#done = true;
        this.release();
        return rejectSoon(this.outcome);
      }
      this.#tokens[0] = token;
      return this.#drive(1);
    }
    return this.#drive(0);
  }

  async #drive(start: number): Promise<unknown> {
    const layers = this.#layers;
    const count = layers.length;
    const tokens = this.#tokens;
    let next = start;
    let awaited = false;
    if (start === 1) {
      // Layer 0 was entered by drive(); a wait it asked for (a bulkhead queue) is still to be done.
      const pending = this.pending;
      if (pending === undefined) this.#depth = 1;
      else {
        this.pending = undefined;
        awaited = true;
        if (await this.#entryWait(0, tokens[0], pending)) this.#depth = 1;
        else next = count;
      }
    }
    for (;;) {
      let entered = next <= count && this.#depth === next;
      for (let i = next; entered && i < count; i++) {
        let token: unknown;
        try {
          token = layers[i]!.enter(this, i);
        } catch (error) {
          token = REJECT;
          this.outcome = error;
        }
        if (token === REJECT) {
          this.pending = undefined;
          this.failed = true;
          entered = false;
          break;
        }
        tokens[i] = token;
        const pending = this.pending;
        if (pending !== undefined) {
          this.pending = undefined;
          awaited = true;
          if (!(await this.#entryWait(i, token, pending))) {
            entered = false;
            break;
          }
        }
        this.#depth = i + 1;
      }
      if (entered) {
        let work: Promise<unknown>;
        try {
          work = this.#inner.run(this);
        } catch (error) {
          work = Promise.reject(error);
        }
        this.work = work;
        awaited = true;
        try {
          this.outcome = await this.#wait(work);
          this.failed = false;
        } catch (error) {
          if (!this.#takeAbandon()) {
            this.failed = true;
            this.outcome = error;
          }
        }
      }
      next = -1;
      while (this.#depth > 0) {
        const j = --this.#depth;
        if (layers[j]!.exit(this, j, tokens[j], false) === RETRY) {
          const sleep = this.sleep;
          this.sleep = undefined;
          let go: unknown = true;
          if (sleep !== undefined) {
            awaited = true;
            try {
              go = await this.#wait(sleep);
            } catch (error) {
              if (!this.#takeAbandon()) {
                this.failed = true;
                this.outcome = error;
              }
              continue;
            }
          }
          if (go === false) continue;
          this.#depth = j + 1;
          next = j + 1;
          break;
        }
        const pending = this.pending;
        if (pending !== undefined) {
          this.pending = undefined;
          awaited = true;
          try {
            this.outcome = await this.#wait(pending);
            this.failed = false;
          } catch (error) {
            if (!this.#takeAbandon()) {
              this.failed = true;
              this.outcome = error;
            }
          }
        }
      }
      if (next < 0) break;
    }
    this.#done = true;
    this.release();
    // A rejection decided synchronously (an open breaker, a full bulkhead) is deferred by one microtask, so the
    // caller's handler is attached first and Node's unhandled-rejection bookkeeping (microseconds) never runs.
    if (!awaited) await undefined;
    if (this.failed) throw this.outcome;
    return this.outcome;
  }

  /** Awaits the wait layer `index` asked for on entry; false (outcome set) when it was refused or abandoned. */
  async #entryWait(index: number, token: unknown, pending: PromiseLike<unknown>): Promise<boolean> {
    try {
      await this.#wait(pending);
      return true;
    } catch (error) {
      if (this.#takeAbandon()) {
        // Abandoned while waiting: if the wait is granted later, give back what it granted.
        pending.then(() => this.#layers[index]!.exit(this, index, token, true), ignore);
      } else {
        this.failed = true;
        this.outcome = error;
      }
      return false;
    }
  }

  #wait(promise: PromiseLike<unknown>): PromiseLike<unknown> {
    if (!this.#raced) return promise;
    return new Promise((resolve, reject) => {
      this.#rejectWait = reject;
      promise.then(resolve, reject);
    });
  }

  #takeAbandon(): boolean {
    const index = this.#abandonIndex;
    if (index < 0) return false;
    this.#abandonIndex = -1;
    this.#depth = index + 1;
    this.failed = true;
    this.outcome = this.#abandonError;
    this.#abandonError = undefined;
    return true;
  }

  #exitDetached(from: number, tokens: unknown[], failed: boolean, outcome: unknown): void {
    const saveFailed = this.failed;
    const saveOutcome = this.outcome;
    for (let k = tokens.length - 1; k >= 0; k--) {
      this.failed = failed;
      this.outcome = outcome;
      this.#layers[from + k]!.exit(this, from + k, tokens[k], true);
    }
    this.failed = saveFailed;
    this.outcome = saveOutcome;
    this.pending = undefined;
    this.sleep = undefined;
  }
}
