import type { Chain } from '../common/base.policy.ts';
import { type ExecuteOptions, ExecutionContext, type Operation } from '../common/execution.context.ts';
import { type FusedCall, type FusedLayer, REJECT, RETRY } from '../common/fused-layer.types.ts';
import type { Clock } from '../common/system.clock.ts';
import { rejectSoon } from '../errors/reject-soon.util.ts';
import { TaskCancelledError } from '../errors/task-cancelled.error.ts';
import { TimeoutError } from '../errors/timeout.error.ts';

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

/** A timeout gave up at layer `index` with `error` (rare path, so kept out of the run's own fields). */
class Abandonment {
  readonly index: number;
  readonly error: unknown;

  constructor(index: number, error: unknown) {
    this.index = index;
    this.error = error;
  }
}
const ignore = (): void => {};

const UNWIND = 0;
const ENTRY_WAIT = 1;
const RETRY_AT = 2;
const PENDING_AT = 3;

/**
 * One call through a fused segment: enters the layers in order, runs the inner chain, exits them in reverse,
 * re-entering the layers inside a retry when it asks. One async driver and one await per attempt, however many
 * layers; a wait is raced (one extra promise) only in segments that contain a timeout.
 */
export class FusedRun extends ExecutionContext implements FusedCall {
  readonly #segment: FusedSegment;
  // Tokens of the first four layers live in fields (no array per call); deeper segments spill into #more.
  #t0: unknown = undefined;
  #t1: unknown = undefined;
  #t2: unknown = undefined;
  #t3: unknown = undefined;
  #more: unknown[] | undefined = undefined;
  /** Layers currently entered (0..depth-1). */
  #depth = 0;
  #done = false;
  #entryWaiting = false;
  #abandoned: Abandonment | undefined = undefined;
  #settleRun: ((value: unknown) => void) | undefined = undefined;
  #failRun: ((error: unknown) => void) | undefined = undefined;
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
    this.#segment = segment;
  }

  /** True while layer `index` is entered with `token` (not exited, not abandoned, not a later attempt's). */
  holds(index: number, token: unknown): boolean {
    return !this.#done && index < this.#depth && this.#token(index) === token;
  }

  /** Replaces the token of layer `index` (a retry keeping its count). */
  setToken(index: number, token: unknown): void {
    switch (index) {
      case 0:
        this.#t0 = token;
        return;
      case 1:
        this.#t1 = token;
        return;
      case 2:
        this.#t2 = token;
        return;
      case 3:
        this.#t3 = token;
        return;
      default:
        this.#more ??= [];
        this.#more[index - 4] = token;
    }
  }

  #token(index: number): unknown {
    switch (index) {
      case 0:
        return this.#t0;
      case 1:
        return this.#t1;
      case 2:
        return this.#t2;
      case 3:
        return this.#t3;
      default:
        return this.#more?.[index - 4];
    }
  }

  /**
   * Gives up on whatever runs inside layer `index` (a timeout firing): the layers inside it are detached and
   * exit when the abandoned work settles, while layer `index` and those outside unwind now with `error`.
   */
  abandon(index: number, error: unknown): void {
    if (this.#done || index >= this.#depth || this.#abandoned !== undefined) return;
    const from = index + 1;
    if (this.#depth > from) {
      const tokens: unknown[] = [];
      for (let i = from; i < this.#depth; i++) tokens.push(this.#token(i));
      // Abandoned while a layer waited to enter (a bulkhead queue): the layers outside it see that wait
      // cancelled, as they would around intercept().
      const work = this.#entryWaiting
        ? Promise.reject(new TaskCancelledError(error))
        : (this.work ?? Promise.resolve());
      work.then(
        (value) => this.#exitDetached(from, tokens, false, value),
        (failure: unknown) => this.#exitDetached(from, tokens, true, failure),
      );
    }
    this.#abandoned = new Abandonment(index, error);
    const reject = this.#rejectWait;
    this.#rejectWait = undefined;
    if (reject !== undefined) {
      reject(ABANDONED);
    } else if (this.#settleRun !== undefined) {
      // The raced fast path is waiting on the work itself: unwind from here, now.
      this.#takeAbandon();
      this.#unwindRaced();
    }
  }

  /** Runs the call; the returned promise settles with the outcome that reaches the outermost layer. */
  drive(): Promise<unknown> {
    const layers = this.#segment.layers;
    for (let i = 0; i < layers.length; i++) {
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
        if (i === 0) {
          // Fast fail at the outermost layer (an open breaker, a full bulkhead): nothing to unwind, no async
          // machinery, no throw.
          this.#done = true;
          this.release();
          return rejectSoon(this.outcome);
        }
        return this.#drive(UNWIND, i);
      }
      this.setToken(i, token);
      if (this.pending !== undefined) return this.#drive(ENTRY_WAIT, i);
      this.#depth = i + 1;
    }
    return this.#segment.abandons ? this.#attemptRaced() : this.#attempt();
  }

  /**
   * The common path of a segment with a timeout: instead of an async function awaiting a race, the caller gets
   * a promise this run settles itself, either when the work settles or when a timeout abandons it.
   */
  #attemptRaced(): Promise<unknown> {
    let work: Promise<unknown>;
    try {
      work = this.#segment.inner.run(this);
    } catch (error) {
      work = Promise.reject(error);
    }
    this.work = work;
    FusedRun.#constructing = this;
    const promise = new Promise(FusedRun.#capture);
    work.then(
      (value) => this.#afterRaced(false, value),
      (error: unknown) => this.#afterRaced(true, error),
    );
    return promise;
  }

  /** The run whose caller promise is being constructed (so the executor below needs no closure per call). */
  static #constructing: FusedRun | undefined = undefined;
  static readonly #capture = (resolve: (value: unknown) => void, reject: (error: unknown) => void): void => {
    const run = FusedRun.#constructing!;
    FusedRun.#constructing = undefined;
    run.#settleRun = resolve;
    run.#failRun = reject;
  };

  #afterRaced(failed: boolean, outcome: unknown): void {
    // Once a timeout abandoned this attempt the caller promise is settled or handed to the general driver, whose
    // later attempts never come back here: a late outcome finds #settleRun cleared and is ignored.
    if (this.#settleRun === undefined) return;
    this.failed = failed;
    this.outcome = outcome;
    this.#unwindRaced();
  }

  #unwindRaced(): void {
    const layers = this.#segment.layers;
    while (this.#depth > 0) {
      const j = --this.#depth;
      let next: Promise<unknown> | undefined;
      if (layers[j]!.exit(this, j, this.#token(j), false) === RETRY) next = this.#drive(RETRY_AT, j);
      else if (this.pending !== undefined) next = this.#drive(PENDING_AT, j);
      if (next !== undefined) {
        // Waits and retries continue in the general driver; the caller's promise follows it.
        const settle = this.#settleRun!;
        const fail = this.#failRun!;
        this.#settleRun = this.#failRun = undefined;
        next.then(settle, fail);
        return;
      }
    }
    this.#done = true;
    this.release();
    const settle = this.#settleRun!;
    const fail = this.#failRun!;
    this.#settleRun = this.#failRun = undefined;
    if (this.failed) fail(this.outcome);
    else settle(this.outcome);
  }

  /** The common path: every layer entered synchronously; await the work once, exit synchronously. */
  async #attempt(): Promise<unknown> {
    let work: Promise<unknown>;
    try {
      work = this.#segment.inner.run(this);
    } catch (error) {
      work = Promise.reject(error);
    }
    this.work = work;
    try {
      this.outcome = await this.#wait(work);
      this.failed = false;
    } catch (error) {
      if (!this.#takeAbandon()) {
        this.failed = true;
        this.outcome = error;
      }
    }
    const layers = this.#segment.layers;
    while (this.#depth > 0) {
      const j = --this.#depth;
      if (layers[j]!.exit(this, j, this.#token(j), false) === RETRY) return this.#drive(RETRY_AT, j);
      if (this.pending !== undefined) return this.#drive(PENDING_AT, j);
    }
    this.#done = true;
    this.release();
    if (this.failed) throw this.outcome;
    return this.outcome;
  }

  /** The general path: waits on entry, retries with sleeps, async fallbacks. */
  async #drive(mode: number, index: number): Promise<unknown> {
    const layers = this.#segment.layers;
    const count = layers.length;
    let next = -1;
    let awaited = mode !== UNWIND;
    if (mode === ENTRY_WAIT) {
      const pending = this.pending!;
      this.pending = undefined;
      if (await this.#entryWait(index, this.#token(index), pending)) {
        this.#depth = index + 1;
        next = index + 1;
      }
    } else if (mode === RETRY_AT) {
      if (await this.#retryWait()) {
        this.#depth = index + 1;
        next = index + 1;
      }
    } else if (mode === PENDING_AT) {
      await this.#exitWait();
    } else {
      this.#depth = index;
    }
    for (;;) {
      if (next >= 0) {
        let entered = true;
        for (let i = next; i < count; i++) {
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
          this.setToken(i, token);
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
            work = this.#segment.inner.run(this);
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
      }
      next = -1;
      while (this.#depth > 0) {
        const j = --this.#depth;
        if (layers[j]!.exit(this, j, this.#token(j), false) === RETRY) {
          awaited = true;
          if (await this.#retryWait()) {
            this.#depth = j + 1;
            next = j + 1;
            break;
          }
          continue;
        }
        if (this.pending !== undefined) {
          awaited = true;
          await this.#exitWait();
        }
      }
      if (next < 0) break;
    }
    this.#done = true;
    this.release();
    // A rejection decided without waiting is deferred by one microtask (see rejectSoon).
    if (!awaited) await undefined;
    if (this.failed) throw this.outcome;
    return this.outcome;
  }

  /** After RETRY: waits for the layer's sleep; false (outcome set) when it gave up or the run was abandoned. */
  async #retryWait(): Promise<boolean> {
    const sleep = this.sleep;
    this.sleep = undefined;
    if (sleep === undefined) return true;
    try {
      return (await this.#wait(sleep)) !== false;
    } catch (error) {
      if (!this.#takeAbandon()) {
        this.failed = true;
        this.outcome = error;
      }
      return false;
    }
  }

  /** Awaits the promise an exit set in `pending`; its result replaces the outcome. */
  async #exitWait(): Promise<void> {
    const pending = this.pending!;
    this.pending = undefined;
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

  /** Awaits the wait layer `index` asked for on entry; false (outcome set) when it was refused or abandoned. */
  async #entryWait(index: number, token: unknown, pending: PromiseLike<unknown>): Promise<boolean> {
    this.#entryWaiting = true;
    try {
      await this.#wait(pending);
      this.#entryWaiting = false;
      return true;
    } catch (error) {
      this.#entryWaiting = false;
      if (this.#takeAbandon()) {
        // Abandoned while waiting: if the wait is granted later, give back what it granted.
        pending.then(() => this.#segment.layers[index]!.exit(this, index, token, true), ignore);
      } else {
        this.failed = true;
        this.outcome = error;
      }
      return false;
    }
  }

  #wait(promise: PromiseLike<unknown>): PromiseLike<unknown> {
    if (!this.#segment.abandons) return promise;
    return new Promise((resolve, reject) => {
      this.#rejectWait = reject;
      promise.then(resolve, reject);
    });
  }

  #takeAbandon(): boolean {
    const abandoned = this.#abandoned;
    if (abandoned === undefined) return false;
    this.#abandoned = undefined;
    const index = abandoned.index;
    this.#depth = index + 1;
    this.failed = true;
    this.outcome = abandoned.error;
    return true;
  }

  /**
   * Exits the layers of an abandoned attempt (layers `from`…, innermost last in `tokens`) once its real outcome
   * arrives, as they would exit around `intercept()`: each layer's replacement (a fallback's answer, after its
   * promise if it returns one) is what the next layer out sees.
   */
  #exitDetached(
    from: number,
    tokens: unknown[],
    failed: boolean,
    outcome: unknown,
    last = tokens.length - 1,
  ): void {
    const saveFailed = this.failed;
    const saveOutcome = this.outcome;
    let pending: PromiseLike<unknown> | undefined;
    let k = last;
    for (; k >= 0 && pending === undefined; k--) {
      this.failed = failed;
      this.outcome = outcome;
      this.pending = undefined;
      this.#segment.layers[from + k]!.exit(this, from + k, tokens[k], true);
      failed = this.failed;
      outcome = this.outcome;
      pending = this.pending;
    }
    this.failed = saveFailed;
    this.outcome = saveOutcome;
    this.pending = undefined;
    this.sleep = undefined;
    if (pending !== undefined) {
      const rest = k;
      pending.then(
        (value) => this.#exitDetached(from, tokens, false, value, rest),
        (error: unknown) => this.#exitDetached(from, tokens, true, error, rest),
      );
    }
  }
}
