import type { Random } from '../../common/seeded.random.ts';
import {
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_EXPONENT,
  DEFAULT_BACKOFF_MAX_MS,
} from '../../constants.ts';
import { type Backoff, type BackoffMemo, clampDelay } from './backoff.types.ts';

export interface ExponentialBackoffOptions {
  /** Delay before the first retry. */
  readonly baseMs?: number;
  /** Upper bound on any delay. */
  readonly maxMs?: number;
  /** Growth factor per retry. */
  readonly exponent?: number;
}

/** `min(max, base · exponent^retry)`, without jitter (prefer a jittered backoff between replicas). */
export class ExponentialBackoff implements Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly exponent: number;

  constructor(options: ExponentialBackoffOptions = {}) {
    this.baseMs = options.baseMs ?? DEFAULT_BACKOFF_BASE_MS;
    this.maxMs = options.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
    this.exponent = options.exponent ?? DEFAULT_BACKOFF_EXPONENT;
  }

  delay(retry: number, _random: Random, _memo: BackoffMemo): number {
    return clampDelay(this.baseMs * this.exponent ** retry, this.maxMs);
  }
}

export function exponentialBackoff(options?: ExponentialBackoffOptions): ExponentialBackoff {
  return new ExponentialBackoff(options);
}
