import { type Histogram, monitorEventLoopDelay } from 'node:perf_hooks';
import {
  type Clock,
  gradient2Limit,
  isLoadShedError,
  type LoadSheddingPolicy,
  loadShedding,
  type Priority,
  systemClock,
  windowedLimit,
} from '@rebound/service-defaults';

export interface LoadShedderOptions {
  readonly initialLimit: number;
  readonly minLimit: number;
  readonly maxLimit: number;
  /** `overloaded` stays true this long after the last shed request (readiness does not flap). */
  readonly holdMs: number;
  /** Non-critical requests are refused while the event loop p90 delay of the last second is above this. */
  readonly eventLoopDelayMs: number;
  /** Where the event loop delay is read (tests inject one); default: `monitorEventLoopDelay`, 1 s windows. */
  readonly eventLoopDelay?: EventLoopDelaySource;
  readonly clock?: Clock;
}

/** How late the event loop ran (ms) in the latest window, ignoring a lone stall. */
export interface EventLoopDelaySource {
  lateMs(): number;
  /** Starts a new window (after start-up, whose module loading would otherwise count as a stall). */
  reset(): void;
  close(): void;
}

/** Why a request was refused. */
export type ShedReason = 'concurrency' | 'event-loop';

export interface Admission {
  /** Call once the response is finished (success or not): frees the slot and feeds the latency to the limit. */
  release(): void;
}

export class ShedDecision {
  readonly reason: ShedReason;
  readonly retryAfterMs: number;

  constructor(reason: ShedReason, retryAfterMs: number) {
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

const LOOP_WINDOW_MS = 1_000;
const DEFAULT_RETRY_AFTER_MS = 1_000;

/** The delay (ms) that 90 % of the window's samples stayed under. */
export function lateMsOf(histogram: Histogram): number {
  return histogram.percentile(90) / 1e6;
}

/** The lower lateness of the last two windows: a single late window is not overload. */
export class SustainedLateness {
  #previous = 0;
  #latest = 0;

  push(windowLateMs: number): void {
    this.#previous = this.#latest;
    this.#latest = windowLateMs;
  }

  get lateMs(): number {
    return Math.min(this.#previous, this.#latest);
  }

  reset(): void {
    this.#previous = 0;
    this.#latest = 0;
  }
}

/**
 * The process's event loop delay: the p90 of each completed 1 s window, and the lower of the last two (timer
 * unref'd). Not the p99: a stall records one late sample, so over a second's ~80 samples the p99 is the single
 * worst stall (a GC pause, a neighbour process taking the core while it starts). Not one window alone: a
 * replica's first second of traffic (code compiled on first use, connections opened) is late once, and shedding
 * then refused reads the moment it joined. Overload is a loop whose turns are late again and again, second
 * after second.
 */
export function monitoredEventLoopDelay(): EventLoopDelaySource {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const windows = new SustainedLateness();
  const timer = setInterval(() => {
    windows.push(lateMsOf(histogram));
    histogram.reset();
  }, LOOP_WINDOW_MS);
  timer.unref();
  return {
    lateMs: () => windows.lateMs,
    reset: () => {
      histogram.reset();
      windows.reset();
    },
    close: () => {
      clearInterval(timer);
      histogram.disable();
    },
  };
}

/**
 * The edge's load shedding: an adaptive concurrency limit (Gradient2 updated per window of calls) with
 * priority shares (sheddable reads go first, checkout last), plus the event loop delay: while the loop is late,
 * only critical requests are admitted, so that the process keeps answering instead of queueing to death.
 */
export class LoadShedder {
  readonly #policy: LoadSheddingPolicy;
  readonly #options: LoadShedderOptions;
  readonly #loop: EventLoopDelaySource;
  readonly #clock: Clock;
  #lastLoopShed = Number.NEGATIVE_INFINITY;

  constructor(options: LoadShedderOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#policy = loadShedding({
      // One update per window of calls, the window's average as the short-term latency, the last ~60 windows as
      // the long-term one: a second of slow calls (a replica restarting beside it, a sibling gateway gone) trims
      // the limit by a tenth at most, while a sustained rise keeps cutting it window after window.
      limit: windowedLimit(
        gradient2Limit({
          initialLimit: options.initialLimit,
          minLimit: options.minLimit,
          maxLimit: options.maxLimit,
          shortWindow: 1,
          longWindow: 60,
        }),
      ),
      sheddingHoldMs: options.holdMs,
      clock: this.#clock,
    });
    this.#loop = options.eventLoopDelay ?? monitoredEventLoopDelay();
  }

  /** Admits the request (resolves with a slot) or resolves with the reason it must be refused. */
  async admit(priority: Priority): Promise<Admission | ShedDecision> {
    const loopDelay = this.#loop.lateMs();
    if (
      priority !== 'critical' &&
      priority !== 'critical-plus' &&
      loopDelay > this.#options.eventLoopDelayMs
    ) {
      this.#lastLoopShed = this.#clock.now();
      return new ShedDecision('event-loop', Math.ceil(loopDelay));
    }
    let release!: () => void;
    const finished = new Promise<void>((resolve) => {
      release = resolve;
    });
    let admitted!: (admission: Admission) => void;
    const started = new Promise<Admission>((resolve) => {
      admitted = resolve;
    });
    const run = this.#policy.execute(
      () => {
        admitted({ release });
        return finished;
      },
      { priority },
    );
    const refused = run.then(
      () => undefined,
      (error: unknown) =>
        isLoadShedError(error)
          ? new ShedDecision('concurrency', error.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS)
          : undefined,
    );
    const first = await Promise.race([started, refused]);
    return first ?? (await started);
  }

  /** True while requests are being shed (and `holdMs` after): readiness reports not ready. */
  get overloaded(): boolean {
    return this.#policy.shedding || this.#clock.now() - this.#lastLoopShed < this.#options.holdMs;
  }

  get inflight(): number {
    return this.#policy.inflight;
  }

  get limit(): number {
    return this.#policy.limit;
  }

  /** Forgets the event loop delay measured so far (called once the process is started). */
  resetEventLoop(): void {
    this.#loop.reset();
  }

  close(): void {
    this.#loop.close();
  }
}
