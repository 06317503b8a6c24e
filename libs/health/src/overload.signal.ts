import { type Clock, type Event, EventEmitter, systemClock, type TimerHandle } from '@rebound/resilience';
import { eventLoopSampler, type LoopSampler } from './event-loop.sampler.ts';

export interface OverloadSignalOptions {
  /** A window whose event-loop delay (p90) is above this is over the bound. Default 250 ms. */
  readonly maxDelayMs?: number;
  /** A window whose delay is at or below this counts towards clearing. Default half of `maxDelayMs`. */
  readonly clearDelayMs?: number;
  /**
   * A window busier than this share (0..1) is over the bound too; default none (1). Utilization is per process:
   * where clients and servers share a process (tests, a gateway), their own work would count.
   */
  readonly maxUtilization?: number;
  /** A window at or under this share counts towards clearing. Default `maxUtilization` − 0.1 (when it is set). */
  readonly clearUtilization?: number;
  /**
   * How long one window lasts. Default 1 s: a replica's first second of traffic (code compiled on first use,
   * connections opened) is late once, and two 500 ms windows would read it as overload.
   */
  readonly windowMs?: number;
  /** Consecutive windows over the bound before the signal trips. Default 2: a lone stall never trips it. */
  readonly tripWindows?: number;
  /** Consecutive windows under the clear bounds before it clears. Default 2. */
  readonly clearWindows?: number;
  /** Default: the process clock with unref'd timers (sampling never keeps the process alive). */
  readonly clock?: Clock;
  /** Default: {@link eventLoopSampler} (`node:perf_hooks`). */
  readonly sampler?: LoopSampler;
}

/** What the signal says now: overloaded or not, and how much. */
export interface OverloadReading {
  readonly overloaded: boolean;
  /** The last window's event-loop delay (ms; the later of the p90 and how late the window's own timer fired). */
  readonly delayMs: number;
  /** The last window's event-loop utilization (0..1). */
  readonly utilization: number;
  /** How much: the last window's delay over `maxDelayMs` or utilization over `maxUtilization`, the higher (≥ 1: over). */
  readonly pressure: number;
}

const CALM: OverloadReading = { overloaded: false, delayMs: 0, utilization: 0, pressure: 0 };

/**
 * The process's one overload signal: samples the event loop once per window (on the injected {@link Clock}) and
 * says whether the process is overloaded, with hysteresis: it trips after `tripWindows` windows in a row over
 * the bound and clears only after `clearWindows` windows in a row under the (lower) clear bounds; a window in
 * between keeps the state. Readiness, gRPC admission and the HTTP edge all read this one object.
 */
export class OverloadSignal {
  readonly maxDelayMs: number;
  readonly windowMs: number;
  readonly #clearDelayMs: number;
  readonly #maxUtilization: number;
  readonly #clearUtilization: number;
  readonly #tripWindows: number;
  readonly #clearWindows: number;
  readonly #clock: Clock;
  readonly #sampler: LoopSampler;
  readonly #onChange = new EventEmitter<OverloadReading>();
  /** The signal tripped or cleared (once per change, with the reading that changed it). */
  readonly onChange: Event<OverloadReading> = this.#onChange.event;
  #reading: OverloadReading = CALM;
  #overRun = 0;
  #underRun = 0;
  #due = 0;
  #timer: TimerHandle | undefined;

  constructor(options: OverloadSignalOptions = {}) {
    this.maxDelayMs = options.maxDelayMs ?? 250;
    this.#clearDelayMs = options.clearDelayMs ?? this.maxDelayMs / 2;
    this.#maxUtilization = options.maxUtilization ?? 1;
    this.#clearUtilization =
      options.clearUtilization ?? (options.maxUtilization === undefined ? 1 : this.#maxUtilization - 0.1);
    this.windowMs = options.windowMs ?? 1_000;
    this.#tripWindows = options.tripWindows ?? 2;
    this.#clearWindows = options.clearWindows ?? 2;
    if (!(this.maxDelayMs > 0)) throw new RangeError('overload signal: maxDelayMs must be > 0');
    if (!(this.#clearDelayMs >= 0 && this.#clearDelayMs <= this.maxDelayMs)) {
      throw new RangeError('overload signal: clearDelayMs must be in [0, maxDelayMs]');
    }
    if (!(this.#maxUtilization > 0 && this.#maxUtilization <= 1)) {
      throw new RangeError('overload signal: maxUtilization must be in (0, 1]');
    }
    if (!(this.windowMs > 0)) throw new RangeError('overload signal: windowMs must be > 0');
    if (!(this.#tripWindows >= 1 && this.#clearWindows >= 1)) {
      throw new RangeError('overload signal: tripWindows and clearWindows must be ≥ 1');
    }
    this.#clock = options.clock ?? systemClock;
    this.#sampler = options.sampler ?? eventLoopSampler();
    this.#schedule();
  }

  get overloaded(): boolean {
    return this.#reading.overloaded;
  }

  get reading(): OverloadReading {
    return this.#reading;
  }

  /** When a refused caller may try again: the soonest the signal can clear. */
  get retryAfterMs(): number {
    return this.windowMs * this.#clearWindows;
  }

  /** Forgets what was measured so far and clears the signal (once start-up is over). */
  reset(): void {
    this.#sampler.reset();
    this.#overRun = 0;
    this.#underRun = 0;
    this.#reading = CALM;
    this.#timer?.cancel();
    this.#schedule();
  }

  close(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#sampler.close();
  }

  #schedule(): void {
    this.#due = this.#clock.now() + this.windowMs;
    this.#timer = this.#clock.setTimer(this.#sample, this.windowMs);
  }

  readonly #sample = (): void => {
    // A loop blocked for the whole window records no delay sample at all; the window's own timer was late then.
    const lateMs = Math.max(0, this.#clock.now() - this.#due);
    const window = this.#sampler.read();
    this.#schedule();
    const delayMs = Math.max(window.delayMs, lateMs);
    const { utilization } = window;
    const over = delayMs > this.maxDelayMs || utilization > this.#maxUtilization;
    const under = delayMs <= this.#clearDelayMs && utilization <= this.#clearUtilization;
    this.#overRun = over ? this.#overRun + 1 : 0;
    this.#underRun = under ? this.#underRun + 1 : 0;
    const was = this.#reading.overloaded;
    const overloaded = was ? this.#underRun < this.#clearWindows : this.#overRun >= this.#tripWindows;
    const pressure = Math.max(delayMs / this.maxDelayMs, utilization / this.#maxUtilization);
    this.#reading = { overloaded, delayMs, utilization, pressure };
    if (overloaded !== was && this.#onChange.hasListeners) this.#onChange.emit(this.#reading);
  };
}

/** An {@link OverloadSignal}; see its options for the defaults. */
export function overloadSignal(options?: OverloadSignalOptions): OverloadSignal {
  return new OverloadSignal(options);
}
