import { ResilienceError } from './resilience.error.ts';

/** Raised by a rate limiter with no token left; `retryAfterMs` is the time until one is available. */
export class RateLimitedError extends ResilienceError {
  readonly isRateLimitedError = true;
  /** The limiter key (client) that ran dry, when the limiter is keyed. */
  readonly key: string | undefined;

  constructor(retryAfterMs: number, key?: string) {
    super('Rate limit exceeded', retryAfterMs);
    this.key = key;
  }

  override get name(): string {
    return 'RateLimitedError';
  }
}

export const isRateLimitedError = (e: unknown): e is RateLimitedError =>
  typeof e === 'object' && e !== null && (e as { isRateLimitedError?: unknown }).isRateLimitedError === true;
