import type { Clock, TimerHandle } from '@rebound/resilience';
import { exponential, type Random } from './seeded.random.ts';

/** `poisson`: exponential gaps (independent shoppers); `uniform`: exactly 1/rate apart. */
export type ArrivalProcess = 'poisson' | 'uniform';

export interface ArrivalSchedulerOptions {
  readonly clock: Clock;
  readonly random: Random;
  /** Arrivals per second; 0 pauses. */
  readonly rate: number;
  readonly process?: ArrivalProcess;
  /**
   * Called once per arrival with the time it was due (on `clock`), which may be earlier than now when the
   * timer fired late: latency is measured from that intended start, not from when the request went out.
   * Must not block: the scheduler never waits for an arrival's work to finish.
   */
  readonly onArrival: (intendedAt: number) => void;
}

/**
 * Open-model arrivals: requests are started at a rate, whatever the previous ones are doing, so a slow
 * server meets as much traffic as a fast one and its slowness shows in the latency instead of lowering
 * the load (coordinated omission). Each arrival has an intended time computed from the previous one;
 * when the event loop falls behind, the arrivals due meanwhile are all started at the next timer with
 * their own intended times, never skipped.
 */
export class ArrivalScheduler {
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #process: ArrivalProcess;
  readonly #onArrival: (intendedAt: number) => void;
  #rate: number;
  #running = false;
  #next = 0;
  #timer: TimerHandle | undefined;

  constructor(options: ArrivalSchedulerOptions) {
    this.#clock = options.clock;
    this.#random = options.random;
    this.#process = options.process ?? 'poisson';
    this.#onArrival = options.onArrival;
    this.#rate = checkRate(options.rate);
  }

  get rate(): number {
    return this.#rate;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#restartFrom(this.#clock.now());
  }

  stop(): void {
    this.#running = false;
    this.#disarm();
  }

  /** Changes the rate from now on: the next arrival is one gap of the new rate after now. */
  setRate(rate: number): void {
    this.#rate = checkRate(rate);
    if (this.#running) this.#restartFrom(this.#clock.now());
  }

  #restartFrom(now: number): void {
    this.#disarm();
    if (this.#rate <= 0) return;
    this.#next = now + this.#gap();
    this.#arm(now);
  }

  #gap(): number {
    const mean = 1000 / this.#rate;
    return this.#process === 'uniform' ? mean : exponential(this.#random, mean);
  }

  #arm(now: number): void {
    this.#timer = this.#clock.setTimer(this.#fire, Math.max(0, this.#next - now));
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#timer.cancel();
    this.#timer = undefined;
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    if (!this.#running || this.#rate <= 0) return;
    const now = this.#clock.now();
    while (this.#next <= now && this.#running) {
      const due = this.#next;
      this.#next += this.#gap();
      this.#onArrival(due);
    }
    if (this.#running && this.#timer === undefined) this.#arm(now);
  };
}

function checkRate(rate: number): number {
  if (!Number.isFinite(rate) || rate < 0) throw new RangeError(`rate must be a number >= 0, got ${rate}`);
  return rate;
}
