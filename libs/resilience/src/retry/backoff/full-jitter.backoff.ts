import type { Random } from '../../common/seeded.random.ts';
import { DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS } from '../../constants.ts';
import { type Backoff, type BackoffMemo, clampDelay } from './backoff.types.ts';

export interface FullJitterBackoffOptions {
  readonly baseMs?: number;
  readonly maxMs?: number;
}

/** AWS "full jitter": `U(0, min(max, base · 2^retry))`. */
export class FullJitterBackoff implements Backoff {
  readonly baseMs: number;
  readonly maxMs: number;

  constructor(options: FullJitterBackoffOptions = {}) {
    this.baseMs = options.baseMs ?? DEFAULT_BACKOFF_BASE_MS;
    this.maxMs = options.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
  }

  delay(retry: number, random: Random, _memo: BackoffMemo): number {
    return random.next() * clampDelay(this.baseMs * 2 ** retry, this.maxMs);
  }
}

export function fullJitterBackoff(options?: FullJitterBackoffOptions): FullJitterBackoff {
  return new FullJitterBackoff(options);
}
