import type { Random } from '../../common/seeded.random.ts';
import { DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS } from '../../constants.ts';
import { type Backoff, type BackoffMemo, clampDelay } from './backoff.types.ts';

export interface DecorrelatedJitterBackoffOptions {
  /** Median of the first delay. */
  readonly baseMs?: number;
  readonly maxMs?: number;
}

const P_FACTOR = 4;
const RP_SCALING = 1 / 1.4;

/**
 * "Decorrelated jitter V2" (Polly, App-vNext/Polly#530): `t = retry + U(0,1)`, `next = 2^t · tanh(√(4t))`,
 * delay = `(next − previous) / 1.4 · base`, clamped to `max`. Spreads retries smoothly with a first median
 * delay of about `base`, unlike AWS's decorrelated formula which bunches at the cap. Guarded against overflow:
 * at high retry counts the raw formula reaches Infinity − Infinity = NaN; this returns `max` instead.
 */
export class DecorrelatedJitterBackoff implements Backoff {
  readonly baseMs: number;
  readonly maxMs: number;

  constructor(options: DecorrelatedJitterBackoffOptions = {}) {
    this.baseMs = options.baseMs ?? DEFAULT_BACKOFF_BASE_MS;
    this.maxMs = options.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
  }

  delay(retry: number, random: Random, memo: BackoffMemo): number {
    const t = retry + random.next();
    const next = 2 ** t * Math.tanh(Math.sqrt(P_FACTOR * t));
    const delay = (next - memo.value) * RP_SCALING * this.baseMs;
    memo.value = next;
    return clampDelay(delay, this.maxMs);
  }
}

export function decorrelatedJitterBackoff(
  options?: DecorrelatedJitterBackoffOptions,
): DecorrelatedJitterBackoff {
  return new DecorrelatedJitterBackoff(options);
}
