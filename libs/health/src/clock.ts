/** A scheduled callback that can be cancelled. Cancelling twice, or after it fired, does nothing. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * Monotonic time and timers, injected so that unit tests drive the shutdown sequence by hand.
 * Same shape as `Clock` in `@rebound/resilience`, so one clock object can serve both.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale; only differences are meaningful. */
  now(): number;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
}

/**
 * The process clock. Its timers are NOT unref'd: during shutdown a pending drain delay or hook timeout
 * must keep the process alive until the sequence decides the exit code.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (callback, delayMs) => {
    const timeout = setTimeout(callback, delayMs);
    return { cancel: () => clearTimeout(timeout) };
  },
};

export const TIMED_OUT: unique symbol = Symbol('timed out');

/** Resolves with `work`'s value, or with {@link TIMED_OUT} after `timeoutMs` on `clock`; rejects if `work` does. */
export function within<T>(work: Promise<T>, timeoutMs: number, clock: Clock): Promise<T | typeof TIMED_OUT> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimer(() => resolve(TIMED_OUT), timeoutMs);
    work.then(
      (value) => {
        timer.cancel();
        resolve(value);
      },
      (error: unknown) => {
        timer.cancel();
        reject(error);
      },
    );
  });
}

/** A promise that resolves after `delayMs` on `clock`. */
export function delay(delayMs: number, clock: Clock): Promise<void> {
  return new Promise((resolve) => clock.setTimer(resolve, delayMs));
}
