import { type KeyedRateLimitPolicy, keyedRateLimit } from '@rebound/service-defaults';

export interface ClientThrottleOptions {
  /** Requests per second per client (refill rate). */
  readonly rate: number;
  /** Bucket size: the burst a quiet client may send at once. */
  readonly burst: number;
  /** Clients tracked at most (LRU beyond it). */
  readonly maxClients: number;
}

/**
 * Per-client token buckets, the resilience library's keyed limiter (bounded LRU, idle eviction): `admit(client)`
 * is 0 when the request may go on, otherwise the milliseconds until the client's next token (`Retry-After`).
 */
export class ClientThrottle {
  readonly #limiter: KeyedRateLimitPolicy;

  constructor(options: ClientThrottleOptions) {
    this.#limiter = keyedRateLimit({ rate: options.rate, burst: options.burst, maxKeys: options.maxClients });
  }

  admit(client: string): number {
    return this.#limiter.tryAcquire(client);
  }

  get trackedClients(): number {
    return this.#limiter.size;
  }
}
