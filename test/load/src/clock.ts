/** Opaque handle of a scheduled callback. */
export type TimerHandle = { readonly id: unknown };

/**
 * Time as the generator sees it: a monotonic `now()` in milliseconds and one-shot timers. Injected so the
 * scheduler, the per-second line and the client contract's waits run under a fake clock in unit tests.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `performance.now()` and Node timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => ({ id: setTimeout(callback, Math.max(0, delayMs)) }),
  clearTimeout: (handle) => clearTimeout(handle.id as NodeJS.Timeout),
};

/** Resolves after `delayMs` on `clock`, or at once (without throwing) when `signal` aborts. */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal?.removeEventListener('abort', cancel);
      resolve();
    };
    const handle = clock.setTimeout(done, delayMs);
    const cancel = () => {
      clock.clearTimeout(handle);
      done();
    };
    signal?.addEventListener('abort', cancel, { once: true });
  });
}
