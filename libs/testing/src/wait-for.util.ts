import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForOptions {
  /** Give up after this long; the error names `description`. */
  readonly timeoutMs?: number;
  /** How often to evaluate the condition when it cannot be awaited as an event. */
  readonly intervalMs?: number;
  readonly description?: string;
}

/**
 * Polls `condition` until it returns a truthy value (which is returned), for conditions that live in
 * another process or socket and have no event to await. Not a sleep: it returns as soon as the
 * condition holds, and fails loudly when it never does.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 20, description = 'condition' }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs; // monotonic: a stepped wall clock cannot cut or stretch the wait
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() >= deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${cause}`);
    }
    await sleep(intervalMs);
  }
}
