/** A scheduled callback that can be cancelled. Cancelling twice, or after it fired, does nothing. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * Time and timers, injected wherever logic depends on time, so that tests drive time by hand (`FakeClock` from
 * `@rebound/resilience/testing`). The one clock type of the repository: policies, transports, health, storage,
 * the broker, the supervisor and the load generator all take it. Three real clocks implement it and differ only
 * in what `now()` reads and whether a pending timer keeps the process alive: {@link systemClock},
 * {@link keepAliveClock} and {@link wallClock}.
 */
export interface Clock {
  /** Milliseconds (may be fractional); only differences are meaningful, unless the clock says otherwise. */
  now(): number;
  /**
   * Runs `callback` once after `delayMs` (negative counts as 0). The callback may return a promise of the work it
   * started; real clocks ignore it, a test clock may wait for it before moving time on.
   */
  setTimer(callback: () => unknown, delayMs: number): TimerHandle;
}

/** A {@link Clock} whose `now()` reads wall-clock time in epoch milliseconds (record timestamps, retention). */
export interface WallClock extends Clock {
  /** Epoch milliseconds: comparable with timestamps from other processes, and stepped by NTP. */
  now(): number;
}

/** Node fires a timer above 2^31-1 ms at once: clamp instead, so "far away" never means "now". */
const MAX_TIMER_MS = 2 ** 31 - 1;

class NodeTimer implements TimerHandle {
  readonly #timeout: NodeJS.Timeout;

  constructor(callback: () => unknown, delayMs: number, keepAlive: boolean) {
    this.#timeout = setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_TIMER_MS));
    if (!keepAlive) this.#timeout.unref();
  }

  cancel(): void {
    clearTimeout(this.#timeout);
  }
}

/**
 * The process clock for logic that runs alongside other work: monotonic `performance.now()`, and unref'd timers,
 * so a pending timer (a breaker's open period, a retry's delay) never keeps the process alive on its own.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (callback, delayMs) => new NodeTimer(callback, delayMs, false),
};

/**
 * The process clock for work the process exists to finish: monotonic `performance.now()`, and timers that keep
 * the process alive while pending (a shutdown's drain delay, a supervisor's restart back-off, a load run's
 * next arrival). Otherwise the same as {@link systemClock}.
 */
export const keepAliveClock: Clock = {
  now: () => performance.now(),
  setTimer: (callback, delayMs) => new NodeTimer(callback, delayMs, true),
};

/** Wall-clock time (`Date.now()`, epoch ms) with unref'd timers, for logic that stamps or compares dates. */
export const wallClock: WallClock = {
  now: () => Date.now(),
  setTimer: (callback, delayMs) => new NodeTimer(callback, delayMs, false),
};

/** An absolute deadline on `clock` that is `timeoutMs` from now (for a remaining time read off the wire). */
export function deadlineAfter(timeoutMs: number, clock: Clock = systemClock): number {
  return clock.now() + timeoutMs;
}

/**
 * Converts a wall-clock deadline (epoch milliseconds, as gRPC's `call.getDeadline()` or an HTTP header gives it)
 * into an absolute deadline on `clock`. `Infinity` stays `Infinity`.
 */
export function deadlineFromEpoch(epochMs: number, clock: Clock = systemClock): number {
  if (epochMs === Number.POSITIVE_INFINITY) return epochMs;
  return clock.now() + (epochMs - wallClock.now());
}
