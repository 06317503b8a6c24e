import { BasePolicy, type Chain } from '../common/base.policy.ts';
import { type Event, EventEmitter } from '../common/event.emitter.ts';
import type { ExecutionContext } from '../common/execution.context.ts';
import { type Random, systemRandom } from '../common/seeded.random.ts';
import { type Clock, systemClock, type TimerHandle } from '../common/system.clock.ts';
import { InjectedFaultError } from '../errors/injected-fault.error.ts';
import { TaskCancelledError } from '../errors/task-cancelled.error.ts';
import {
  type FaultConfig,
  type FaultConfigUpdate,
  type FaultKind,
  mergeFaultConfig,
  NO_FAULTS,
} from './fault.config.ts';

export interface FaultInjectionOptions extends FaultConfigUpdate {
  readonly clock?: Clock;
  readonly random?: Random;
}

export interface FaultEvent {
  readonly kind: FaultKind;
  /** The injected delay, for `latency`; the abort delay, for `abort`. */
  readonly delayMs?: number;
}

/** Why a waiting fault stopped: the caller's cancellation or the reason a timeout outside gave. */
function abortError(context: ExecutionContext): unknown {
  return context.callerAborted ? new TaskCancelledError(context.abortReason) : context.abortReason;
}

/** Waits `ms` (or forever when `ms` is infinite), rejecting as soon as the execution is aborted. */
class Wait {
  readonly #context: ExecutionContext;
  readonly #signal: AbortSignal;
  readonly #resolve: () => void;
  readonly #reject: (error: unknown) => void;
  readonly #timer: TimerHandle | undefined;

  constructor(
    clock: Clock,
    ms: number,
    context: ExecutionContext,
    resolve: () => void,
    reject: (e: unknown) => void,
  ) {
    this.#context = context;
    this.#signal = context.signal;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#signal.addEventListener('abort', this);
    this.#timer = Number.isFinite(ms) ? clock.setTimer(() => this.#done(), ms) : undefined;
  }

  handleEvent(): void {
    this.#timer?.cancel();
    this.#signal.removeEventListener('abort', this);
    this.#reject(abortError(this.#context));
  }

  #done(): void {
    this.#signal.removeEventListener('abort', this);
    this.#resolve();
  }
}

function wait(clock: Clock, ms: number, context: ExecutionContext): Promise<void> {
  if (context.aborted) return Promise.reject(abortError(context));
  return new Promise((resolve, reject) => {
    new Wait(clock, ms, context, resolve, reject);
  });
}

/**
 * The chaos hook: injects latency, errors, mid-call aborts and hangs into the calls through it, each with its
 * own rate, drawn from the injected random source. Off by default (`enabled: false`, every rate 0) and then
 * costs one branch per call; switch it at run time with `set({...})` (an admin endpoint drives this). Error,
 * abort and hang are exclusive (one draw picks at most one); latency is drawn separately and comes first.
 */
export class FaultInjectionPolicy extends BasePolicy {
  #config: FaultConfig;
  #active = false;
  readonly #random: Random;
  readonly #onFault = new EventEmitter<FaultEvent>();
  readonly #onChange = new EventEmitter<FaultConfig>();
  /** A fault was injected into a call. */
  readonly onFault: Event<FaultEvent> = this.#onFault.event;
  /** The configuration changed (`set()` or `reset()`). */
  readonly onChange: Event<FaultConfig> = this.#onChange.event;

  constructor(options: FaultInjectionOptions = {}) {
    super(options.clock ?? systemClock);
    this.#random = options.random ?? systemRandom;
    this.#config = mergeFaultConfig(NO_FAULTS, options);
    this.#active = this.#isActive();
  }

  /** The configuration in force (frozen). */
  get config(): FaultConfig {
    return this.#config;
  }

  /** Changes some faults at run time; validated as a whole, an invalid update changes nothing. */
  set(update: FaultConfigUpdate): this {
    this.#config = mergeFaultConfig(this.#config, update);
    this.#active = this.#isActive();
    if (this.#onChange.hasListeners) this.#onChange.emit(this.#config);
    return this;
  }

  /** Switches every fault off. */
  reset(): this {
    this.#config = NO_FAULTS;
    this.#active = false;
    if (this.#onChange.hasListeners) this.#onChange.emit(this.#config);
    return this;
  }

  intercept(context: ExecutionContext, next: Chain): Promise<unknown> {
    if (!this.#active) return next.run(context);
    const config = this.#config;
    const { latency } = config;
    if (latency.rate > 0 && latency.ms > 0 && this.#random.next() < latency.rate) {
      this.#emit('latency', latency.ms);
      return wait(this.clock, latency.ms, context).then(() => this.#exclusive(config, context, next));
    }
    return this.#exclusive(config, context, next);
  }

  #exclusive(config: FaultConfig, context: ExecutionContext, next: Chain): Promise<unknown> {
    const { hang, abort, error } = config;
    if (hang.rate + abort.rate + error.rate === 0) return next.run(context);
    const draw = this.#random.next();
    if (draw < hang.rate) {
      this.#emit('hang', undefined);
      return wait(this.clock, Number.POSITIVE_INFINITY, context) as Promise<unknown>;
    }
    if (draw < hang.rate + abort.rate) {
      this.#emit('abort', abort.afterMs);
      return this.#abort(abort.afterMs, context, next);
    }
    if (draw < hang.rate + abort.rate + error.rate) {
      this.#emit('error', undefined);
      return Promise.reject(error.error === undefined ? new InjectedFaultError('error') : error.error());
    }
    return next.run(context);
  }

  #abort(afterMs: number, context: ExecutionContext, next: Chain): Promise<unknown> {
    // A forked context: the abort reaches this call's signal without marking the whole execution cancelled,
    // so a retry outside may try again.
    const child = context.fork();
    let work: Promise<unknown>;
    try {
      work = next.run(child);
    } catch (e) {
      work = Promise.reject(e);
    }
    const fault = new InjectedFaultError('abort');
    const cut = (): Promise<never> => {
      child.cancel(fault);
      child.release();
      context.linger(work);
      return Promise.reject(fault);
    };
    if (afterMs === 0) return cut();
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimer(() => cut().catch(reject), afterMs);
      work.then(
        (value) => {
          timer.cancel();
          resolve(value);
        },
        (e: unknown) => {
          timer.cancel();
          reject(e);
        },
      );
    });
  }

  #emit(kind: FaultKind, delayMs: number | undefined): void {
    if (this.#onFault.hasListeners) this.#onFault.emit(delayMs === undefined ? { kind } : { kind, delayMs });
  }

  #isActive(): boolean {
    const c = this.#config;
    return c.enabled && c.latency.rate + c.error.rate + c.abort.rate + c.hang.rate > 0;
  }
}

/**
 * A fault-injection (chaos) policy, off until switched on: `faultInjection()` then
 * `.set({ enabled: true, error: { rate: 0.1 } })`.
 */
export function faultInjection(options?: FaultInjectionOptions): FaultInjectionPolicy {
  return new FaultInjectionPolicy(options);
}
