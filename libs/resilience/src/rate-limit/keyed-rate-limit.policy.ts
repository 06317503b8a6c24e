import {
  DEFAULT_RATE_LIMIT_BURST,
  DEFAULT_RATE_LIMIT_IDLE_MS,
  DEFAULT_RATE_LIMIT_MAX_KEYS,
  DEFAULT_RATE_LIMIT_RATE,
} from '../adaptive.constants.ts';
import { BasePolicy, type Chain } from '../common/base.policy.ts';
import { type Event, EventEmitter } from '../common/event.emitter.ts';
import type { ExecutionContext } from '../common/execution.context.ts';
import { LruMap } from '../common/lru.cache.ts';
import { type Clock, systemClock } from '../common/system.clock.ts';
import { RateLimitedError } from '../errors/rate-limited.error.ts';
import { rejectSoon } from '../errors/reject-soon.util.ts';
import type { RateLimitRejectEvent } from './rate-limit.policy.ts';
import { validateRate } from './token-bucket.limiter.ts';

export interface KeyedRateLimitOptions {
  /** Tokens added per second, per key. */
  readonly rate?: number;
  /** Bucket capacity per key. Defaults to `rate`. */
  readonly burst?: number;
  /** Keys tracked at most: beyond it the least recently used key is forgotten. A hard bound on memory. */
  readonly maxKeys?: number;
  /** A key unused for this long is forgotten (checked lazily, no timer). */
  readonly idleMs?: number;
  /** The key of a call; defaults to `context.key` (the client id given to `execute()`). */
  readonly keyOf?: (context: ExecutionContext) => string | undefined;
  /** Bucket shared by calls without a key. */
  readonly defaultKey?: string;
  readonly clock?: Clock;
}

export type EvictionReason = 'lru' | 'idle';

/** Emitted when a key's bucket is dropped from the map. */
export interface EvictEvent {
  readonly key: string;
  readonly reason: EvictionReason;
}

/** One key's bucket. */
class KeyBucket {
  readonly key: string;
  tokens: number;
  last: number;

  constructor(key: string, tokens: number, now: number) {
    this.key = key;
    this.tokens = tokens;
    this.last = now;
  }
}

/**
 * A token bucket per key (per client), with a hard bound on memory: at most `maxKeys` buckets, the least
 * recently used one evicted first, and buckets idle for `idleMs` forgotten. Both evictions are checked lazily
 * on use (O(1) per call, no timer). An evicted key starts again with a full bucket, which costs nothing when it
 * was idle longer than `burst / rate` seconds (its bucket was full anyway); choose `maxKeys` above the number
 * of clients active at once so that LRU eviction stays rare.
 */
export class KeyedRateLimitPolicy extends BasePolicy {
  readonly rate: number;
  readonly burst: number;
  readonly maxKeys: number;
  readonly idleMs: number;
  readonly #perMs: number;
  readonly #keyOf: ((context: ExecutionContext) => string | undefined) | undefined;
  readonly #defaultKey: string;
  /** In order of last use, so idle buckets are all at the old end. */
  readonly #buckets: LruMap<string, KeyBucket>;
  readonly #onReject = new EventEmitter<RateLimitRejectEvent>();
  readonly #onEvict = new EventEmitter<EvictEvent>();
  /** A call was rejected because its key's bucket was empty. */
  readonly onReject: Event<RateLimitRejectEvent> = this.#onReject.event;
  /** A key was forgotten (LRU bound or idle). */
  readonly onEvict: Event<EvictEvent> = this.#onEvict.event;

  constructor(options: KeyedRateLimitOptions = {}) {
    super(options.clock ?? systemClock);
    this.rate = options.rate ?? DEFAULT_RATE_LIMIT_RATE;
    this.burst = options.burst ?? options.rate ?? DEFAULT_RATE_LIMIT_BURST;
    validateRate(this.rate, this.burst);
    this.maxKeys = options.maxKeys ?? DEFAULT_RATE_LIMIT_MAX_KEYS;
    this.idleMs = options.idleMs ?? DEFAULT_RATE_LIMIT_IDLE_MS;
    if (!(this.maxKeys >= 1) || !Number.isInteger(this.maxKeys) || !(this.idleMs > 0)) {
      throw new RangeError('keyed rate limit: maxKeys must be an integer >= 1 and idleMs > 0');
    }
    this.#perMs = this.rate / 1000;
    this.#keyOf = options.keyOf;
    this.#defaultKey = options.defaultKey ?? '*';
    this.#buckets = new LruMap(this.maxKeys, (key) => this.#evicted(key, 'lru'));
  }

  /** Keys currently tracked (never above `maxKeys`). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Tokens `key` has now (a full bucket for an unknown key); does not count as a use. */
  available(key: string): number {
    const bucket = this.#buckets.peek(key);
    if (bucket === undefined) return this.burst;
    const tokens = bucket.tokens + Math.max(0, this.clock.now() - bucket.last) * this.#perMs;
    return Math.min(tokens, this.burst);
  }

  /** Takes a token for `key`: 0 when taken, otherwise the milliseconds until one is available. */
  tryAcquire(key: string): number {
    const now = this.clock.now();
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      this.#evictIdle(now);
      bucket = new KeyBucket(key, this.burst, now);
      this.#buckets.set(key, bucket);
    } else {
      const elapsed = now - bucket.last;
      if (elapsed > 0) {
        const tokens = bucket.tokens + elapsed * this.#perMs;
        bucket.tokens = Math.min(tokens, this.burst);
        bucket.last = now;
      }
      this.#evictIdle(now);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    const wait = Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs));
    if (this.#onReject.hasListeners) this.#onReject.emit({ key, retryAfterMs: wait });
    return wait;
  }

  /** Forgets every key idle for `idleMs` or more (also done lazily on every call). */
  sweep(): void {
    this.#evictIdle(this.clock.now());
  }

  intercept(context: ExecutionContext, next: Chain): Promise<unknown> {
    const key = (this.#keyOf === undefined ? context.key : this.#keyOf(context)) ?? this.#defaultKey;
    const wait = this.tryAcquire(key);
    if (wait > 0) return rejectSoon(RateLimitedError.fast(wait, key));
    return next.run(context);
  }

  #evictIdle(now: number): void {
    const horizon = now - this.idleMs;
    let oldest = this.#buckets.oldest();
    while (oldest !== undefined && oldest.last <= horizon) {
      this.#buckets.delete(oldest.key);
      this.#evicted(oldest.key, 'idle');
      oldest = this.#buckets.oldest();
    }
  }

  #evicted(key: string, reason: EvictionReason): void {
    if (this.#onEvict.hasListeners) this.#onEvict.emit({ key, reason });
  }
}

/** A token-bucket rate limit per client key, with LRU and idle eviction: `keyedRateLimit({ rate: 10 })`. */
export function keyedRateLimit(options?: KeyedRateLimitOptions): KeyedRateLimitPolicy {
  return new KeyedRateLimitPolicy(options);
}
