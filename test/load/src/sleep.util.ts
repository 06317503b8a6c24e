import type { Clock } from '@rebound/resilience';

/** Resolves after `delayMs` on `clock`, or at once (without throwing) when `signal` aborts. */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal?.removeEventListener('abort', cancel);
      resolve();
    };
    const handle = clock.setTimer(done, delayMs);
    const cancel = () => {
      handle.cancel();
      done();
    };
    signal?.addEventListener('abort', cancel, { once: true });
  });
}
