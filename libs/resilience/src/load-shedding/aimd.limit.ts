import {
  DEFAULT_AIMD_BACKOFF_RATIO,
  DEFAULT_AIMD_TIMEOUT_MS,
  DEFAULT_LIMIT_INITIAL,
  DEFAULT_LIMIT_MAX,
  DEFAULT_LIMIT_MIN,
} from '../adaptive.constants.ts';
import { type ConcurrencyLimit, type LimitSample, validateBounds } from './limit.types.ts';

export interface AimdLimitOptions {
  readonly initialLimit?: number;
  readonly minLimit?: number;
  readonly maxLimit?: number;
  /** Factor applied on a drop, in (0, 1). */
  readonly backoffRatio?: number;
  /** A call slower than this counts as a drop. */
  readonly timeoutMs?: number;
}

/**
 * Additive increase, multiplicative decrease: +1 after a successful call that found the limit at least half
 * used, `× backoffRatio` (rounded down) after a drop (a timeout, an overload error or a call slower than
 * `timeoutMs`). Clamped to [min, max].
 */
export class AimdLimit implements ConcurrencyLimit {
  readonly minLimit: number;
  readonly maxLimit: number;
  readonly backoffRatio: number;
  readonly timeoutMs: number;
  #limit: number;

  constructor(options: AimdLimitOptions = {}) {
    this.#limit = options.initialLimit ?? DEFAULT_LIMIT_INITIAL;
    this.minLimit = options.minLimit ?? Math.min(DEFAULT_LIMIT_MIN, this.#limit);
    this.maxLimit = options.maxLimit ?? Math.max(DEFAULT_LIMIT_MAX, this.#limit);
    validateBounds(this.#limit, this.minLimit, this.maxLimit);
    this.backoffRatio = options.backoffRatio ?? DEFAULT_AIMD_BACKOFF_RATIO;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_AIMD_TIMEOUT_MS;
    if (!(this.backoffRatio > 0 && this.backoffRatio < 1) || !(this.timeoutMs > 0)) {
      throw new RangeError('aimd: backoffRatio in (0, 1) and timeoutMs > 0 required');
    }
  }

  get limit(): number {
    return this.#limit;
  }

  update(sample: LimitSample): void {
    const limit = this.#limit;
    if (sample.dropped || sample.rttMs > this.timeoutMs) {
      this.#limit = Math.max(this.minLimit, Math.floor(limit * this.backoffRatio));
    } else if (sample.inflight * 2 >= limit) {
      this.#limit = Math.min(this.maxLimit, limit + 1);
    }
  }
}

/** An AIMD limit (see {@link AimdLimit}); initial 20, min 20, max 200, backoff 0.9, timeout 5 s. */
export function aimdLimit(options?: AimdLimitOptions): AimdLimit {
  return new AimdLimit(options);
}
