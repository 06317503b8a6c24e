/** A scheduled callback that can be cancelled. Cancelling twice, or after it fired, does nothing. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * Monotonic time and timers, injected into every policy so that tests drive time by hand
 * (`FakeClock` from `@rebound/resilience/testing`) and production never depends on wall-clock steps.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale (may be fractional); only differences are meaningful. */
  now(): number;
  /**
   * Runs `callback` once after `delayMs`. Real timers are unref'd: a pending timer never keeps the process alive.
   */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
}

class NodeTimer implements TimerHandle {
  readonly #timeout: NodeJS.Timeout;

  constructor(callback: () => void, delayMs: number) {
    this.#timeout = setTimeout(callback, delayMs);
    this.#timeout.unref();
  }

  cancel(): void {
    clearTimeout(this.#timeout);
  }
}

/** The process clock: `performance.now()` and unref'd `setTimeout`. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (callback, delayMs) => new NodeTimer(callback, delayMs),
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
  return clock.now() + (epochMs - Date.now());
}
