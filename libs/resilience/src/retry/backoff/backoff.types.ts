import type { Random } from '../../common/seeded.random.ts';

/** Scratch state a backoff may keep across the retries of one execution (decorrelated jitter does). */
export interface BackoffMemo {
  value: number;
}

/**
 * How long to wait before a retry. `retry` is 0 before the first retry, 1 before the second, and so on;
 * `memo` starts at `{ value: 0 }` for each execution. Implementations never return NaN or a negative number.
 */
export interface Backoff {
  delay(retry: number, random: Random, memo: BackoffMemo): number;
}

/** Clamps `value` into `[0, max]`, mapping NaN and overflow to `max`. */
export function clampDelay(value: number, max: number): number {
  if (!(value >= 0)) return max;
  return Math.min(value, max);
}
