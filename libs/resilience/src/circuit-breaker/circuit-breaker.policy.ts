import { BasePolicy, type Chain } from '../common/base.policy.ts';
import { type Disposable, toDisposable } from '../common/disposable.util.ts';
import { type Event, EventEmitter } from '../common/event.emitter.ts';
import type { ExecuteOptions, ExecutionContext, Operation } from '../common/execution.context.ts';
import { type FusedCall, type FusedLayer, PROPAGATE, REJECT } from '../common/fused-layer.types.ts';
import { type Clock, systemClock } from '../common/system.clock.ts';
import {
  DEFAULT_BREAKER_HALF_OPEN_MAX_WAIT_MS,
  DEFAULT_BREAKER_HALF_OPEN_PROBES,
  DEFAULT_BREAKER_OPEN_MS,
} from '../constants.ts';
import { BrokenCircuitError } from '../errors/broken-circuit.error.ts';
import { isCancellation } from '../errors/error.guards.ts';
import { rejectSoon } from '../errors/reject-soon.util.ts';
import type { Breaker, TripReason } from './breakers/breaker.types.ts';
import { ConsecutiveBreaker } from './breakers/consecutive.breaker.ts';

export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated';

export interface CircuitBreakerOptions {
  /** When to open: `consecutiveBreaker(n)` (default, n = 5) or `windowBreaker({...})`. */
  readonly breaker?: Breaker;
  /** How long the circuit stays open before admitting probes. */
  readonly openMs?: number;
  /** Calls admitted while half-open (all must succeed to close); every other caller is rejected at once. */
  readonly halfOpenProbes?: number;
  /** Half-open probes that have not all settled after this long re-open the circuit (a hung probe never wedges). */
  readonly halfOpenMaxWaitMs?: number;
  /**
   * Whether an error counts against the dependency. Cancellations (caller abort, exceeded deadline) are never
   * counted either way. Return `false` for caller errors (invalid argument, not found): they count as successes.
   */
  readonly isFailure?: (error: unknown) => boolean;
  readonly clock?: Clock;
}

export interface StateChangeEvent {
  readonly from: CircuitState;
  readonly to: CircuitState;
}

export interface BreakEvent {
  readonly reason: TripReason | 'half-open-failure' | 'half-open-timeout' | 'isolated';
  readonly error?: unknown;
}

export interface RejectEvent {
  readonly state: CircuitState;
  readonly retryAfterMs: number | undefined;
}

const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;
const ISOLATED = 3;
const NAMES: readonly CircuitState[] = ['closed', 'open', 'half-open', 'isolated'];

/** A fused call's admission in a breaker that times calls (slow-call windows). */
class TimedPermit {
  readonly epoch: number;
  readonly start: number;

  constructor(epoch: number, start: number) {
    this.epoch = epoch;
    this.start = start;
  }
}

/**
 * A circuit breaker on a monotonic clock. Closed: outcomes feed the {@link Breaker}. Open: every call fails at
 * once with a stackless {@link BrokenCircuitError} carrying `retryAfterMs`. After `openMs` the next call (or a
 * `state` read) moves it to half-open, where at most `halfOpenProbes` calls are *placed*; others are rejected,
 * not queued. Outcomes are tagged with the state epoch they were admitted in, so a call that started before a
 * transition and settles after it changes nothing.
 */
export class CircuitBreakerPolicy extends BasePolicy implements FusedLayer {
  readonly breaker: Breaker;
  readonly openMs: number;
  readonly halfOpenProbes: number;
  readonly halfOpenMaxWaitMs: number;
  readonly #isFailure: (error: unknown) => boolean;
  #state = CLOSED;
  #epoch = 0;
  #since = 0;
  #probesPlaced = 0;
  #probesSucceeded = 0;
  #isolations = 0;
  #rejection: BrokenCircuitError | undefined = undefined;
  readonly #onStateChange = new EventEmitter<StateChangeEvent>();
  readonly #onBreak = new EventEmitter<BreakEvent>();
  readonly #onReset = new EventEmitter<void>();
  readonly #onHalfOpen = new EventEmitter<void>();
  readonly #onReject = new EventEmitter<RejectEvent>();
  /** Every state transition. */
  readonly onStateChange: Event<StateChangeEvent> = this.#onStateChange.event;
  /** The circuit opened (or re-opened, or was isolated). */
  readonly onBreak: Event<BreakEvent> = this.#onBreak.event;
  /** The circuit closed again. */
  readonly onReset: Event<void> = this.#onReset.event;
  /** The circuit started admitting probes. */
  readonly onHalfOpen: Event<void> = this.#onHalfOpen.event;
  /** A call was rejected without running. */
  readonly onReject: Event<RejectEvent> = this.#onReject.event;

  constructor(options: CircuitBreakerOptions = {}) {
    super(options.clock ?? systemClock);
    this.breaker = options.breaker ?? new ConsecutiveBreaker();
    this.openMs = options.openMs ?? DEFAULT_BREAKER_OPEN_MS;
    this.halfOpenProbes = options.halfOpenProbes ?? DEFAULT_BREAKER_HALF_OPEN_PROBES;
    this.halfOpenMaxWaitMs = options.halfOpenMaxWaitMs ?? DEFAULT_BREAKER_HALF_OPEN_MAX_WAIT_MS;
    if (!(this.halfOpenProbes >= 1)) throw new RangeError('halfOpenProbes must be >= 1');
    if (!(this.openMs >= 0)) throw new RangeError('openMs must be >= 0');
    this.#isFailure = options.isFailure ?? (() => true);
  }

  /** The current state; reading it performs a due open → half-open transition. */
  get state(): CircuitState {
    if (this.#state === OPEN && this.clock.now() - this.#since >= this.openMs)
      this.#halfOpen(this.clock.now());
    return NAMES[this.#state]!;
  }

  /**
   * Holds the circuit open until the returned handle is disposed (for maintenance or a kill switch);
   * nested isolations stack. Disposing the last one closes the circuit.
   */
  isolate(): Disposable {
    if (this.#isolations++ === 0) {
      this.#transition(ISOLATED, this.clock.now());
      if (this.#onBreak.hasListeners) this.#onBreak.emit({ reason: 'isolated' });
    }
    return toDisposable(() => {
      if (--this.#isolations === 0) this.#close(this.clock.now());
    });
  }

  /**
   * An open or isolated circuit rejects before any execution context exists, so a rejection costs no more than
   * a successful call. A closed circuit, a due half-open and a call with options take the ordinary path.
   */
  override execute<T>(operation: Operation<T>, options?: ExecuteOptions): Promise<T> {
    const state = this.#state;
    if (options === undefined && state !== CLOSED) {
      if (state === ISOLATED) return this.#rejectNow(undefined);
      if (state === OPEN) {
        const left = this.#since + this.openMs - this.clock.now();
        if (left > 0) return this.#rejectNow(left);
      }
    }
    return super.execute(operation, options);
  }

  /**
   * Admits the call (or rejects it with a stackless {@link BrokenCircuitError}), runs it, and records its outcome
   * against the state it was admitted in.
   */
  async intercept(context: ExecutionContext, next: Chain): Promise<unknown> {
    const epoch = this.#admit();
    if (epoch < 0) throw this.#takeRejection();
    const start = this.breaker.needsDuration ? this.clock.now() : 0;
    let value: unknown;
    try {
      value = await next.run(context);
    } catch (error) {
      this.#settle(epoch, start, error, true);
      throw error;
    }
    this.#settle(epoch, start, undefined, false);
    return value;
  }

  #rejectNow(retryAfterMs: number | undefined): Promise<never> {
    this.#reject(retryAfterMs);
    return rejectSoon(this.#takeRejection());
  }

  #takeRejection(): BrokenCircuitError {
    const error = this.#rejection!;
    this.#rejection = undefined;
    return error;
  }

  // ---- Fast path for pipeline(): the behaviour of intercept() above as synchronous hooks (see FusedLayer). ----

  /** @internal Admit, or reject with a stackless BrokenCircuitError (without throwing). */
  enter(call: FusedCall): unknown {
    const epoch = this.#admit();
    if (epoch < 0) {
      call.outcome = this.#takeRejection();
      return REJECT;
    }
    return this.breaker.needsDuration ? new TimedPermit(epoch, this.clock.now()) : epoch;
  }

  /** @internal Record the outcome, if it still belongs to the current state. */
  exit(call: FusedCall, _index: number, token: unknown): number {
    if (typeof token === 'number') this.#settle(token, 0, call.outcome, call.failed);
    else {
      const permit = token as TimedPermit;
      this.#settle(permit.epoch, permit.start, call.outcome, call.failed);
    }
    return PROPAGATE;
  }

  /** Admits a call and returns the epoch its outcome belongs to, or -1 with `#rejection` set. */
  #admit(): number {
    const state = this.#state;
    if (state === CLOSED) return this.#epoch;
    const now = this.clock.now();
    if (state === OPEN) {
      const left = this.#since + this.openMs - now;
      if (left > 0) return this.#reject(left);
      this.#halfOpen(now);
    } else if (state === ISOLATED) {
      return this.#reject(undefined);
    } else if (now - this.#since >= this.halfOpenMaxWaitMs) {
      // Probes are hung: start a fresh open period; their late outcomes carry a stale epoch.
      this.#open(now, 'half-open-timeout', undefined);
      return this.#reject(this.openMs);
    }
    if (this.#probesPlaced >= this.halfOpenProbes) return this.#reject(undefined);
    this.#probesPlaced++;
    return this.#epoch;
  }

  #reject(retryAfterMs: number | undefined): number {
    const isolated = this.#state === ISOLATED;
    if (this.#onReject.hasListeners) this.#onReject.emit({ state: NAMES[this.#state]!, retryAfterMs });
    this.#rejection = BrokenCircuitError.fast(retryAfterMs, isolated);
    return -1;
  }

  #settle(epoch: number, start: number, error: unknown, threw: boolean): void {
    if (epoch !== this.#epoch) return;
    const state = this.#state;
    if (threw && isCancellation(error)) {
      if (state === HALF_OPEN) this.#probesPlaced--;
      return;
    }
    const failed = threw && this.#isFailure(error);
    if (state === CLOSED) {
      const now = this.breaker.needsDuration ? this.clock.now() : 0;
      const trip = this.breaker.record(failed, now - start, now);
      if (trip !== undefined) this.#open(this.clock.now(), trip, error);
    } else if (state === HALF_OPEN) {
      if (failed) this.#open(this.clock.now(), 'half-open-failure', error);
      else if (++this.#probesSucceeded >= this.halfOpenProbes) this.#close(this.clock.now());
    }
  }

  #open(now: number, reason: BreakEvent['reason'], error: unknown): void {
    this.#transition(OPEN, now);
    if (this.#onBreak.hasListeners) this.#onBreak.emit({ reason, error });
  }

  #halfOpen(now: number): void {
    this.#transition(HALF_OPEN, now);
    if (this.#onHalfOpen.hasListeners) this.#onHalfOpen.emit();
  }

  #close(now: number): void {
    this.breaker.reset(now);
    this.#transition(CLOSED, now);
    if (this.#onReset.hasListeners) this.#onReset.emit();
  }

  #transition(to: number, now: number): void {
    const from = this.#state;
    this.#state = to;
    this.#epoch++;
    this.#since = now;
    this.#probesPlaced = 0;
    this.#probesSucceeded = 0;
    if (from !== to && this.#onStateChange.hasListeners) {
      this.#onStateChange.emit({ from: NAMES[from]!, to: NAMES[to]! });
    }
  }
}

/** A circuit breaker; see {@link CircuitBreakerOptions}. */
export function circuitBreaker(options?: CircuitBreakerOptions): CircuitBreakerPolicy {
  return new CircuitBreakerPolicy(options);
}
