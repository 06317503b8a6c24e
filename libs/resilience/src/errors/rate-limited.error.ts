import { fastError, ResilienceError } from './resilience.error.ts';

const MESSAGE = 'Rate limit exceeded';

/** Raised by a rate limiter with no token left; `retryAfterMs` is the time until one is available. */
export class RateLimitedError extends ResilienceError {
  declare readonly isRateLimitedError: true;
  /** The limiter key (client) that ran dry, when the limiter is keyed. */
  readonly key: string | undefined;

  constructor(retryAfterMs: number, key?: string) {
    super(MESSAGE, retryAfterMs);
    this.key = key;
  }

  override get name(): string {
    return 'RateLimitedError';
  }

  /** @internal The fast-fail path: same error, built without Error's constructor (see `fastError`). */
  static fast(retryAfterMs: number, key: string | undefined): RateLimitedError {
    return fastError(RateLimitedError.prototype, MESSAGE, retryAfterMs, { key });
  }
}

Object.defineProperty(RateLimitedError.prototype, 'isRateLimitedError', { value: true });

export const isRateLimitedError = (e: unknown): e is RateLimitedError =>
  typeof e === 'object' && e !== null && (e as { isRateLimitedError?: unknown }).isRateLimitedError === true;
