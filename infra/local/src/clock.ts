/** Opaque handle of a scheduled callback. */
export type TimerHandle = { readonly id: unknown };

/**
 * Time as the supervisor sees it: a monotonic `now()` and one-shot timers. Injected so the probe and
 * back-off logic runs under a fake clock in unit tests.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `performance.now()` and Node timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => ({ id: setTimeout(callback, delayMs) }),
  clearTimeout: (handle) => clearTimeout(handle.id as NodeJS.Timeout),
};
