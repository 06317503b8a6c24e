import type { Clock } from '@rebound/resilience';

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
