import { type Clock, LruMap, systemClock } from '@rebound/service-defaults';

export interface AbuseBlockerOptions {
  /** Bad answers (429, other 4xx) within `windowMs` that get a client blocked. */
  readonly threshold: number;
  readonly windowMs: number;
  /** How long a blocked client is refused (403). */
  readonly blockMs: number;
  /** Clients tracked at most; the least recently seen is forgotten beyond it (a hard bound on memory). */
  readonly maxTracked: number;
  /** Read only (`now()`); injected in tests. */
  readonly clock?: Pick<Clock, 'now'>;
}

interface Record {
  windowStart: number;
  strikes: number;
  blockedUntil: number;
}

/**
 * Blocks clients that keep abusing the edge: each bad answer is a strike, counted in a fixed window per client;
 * reaching `threshold` strikes blocks the client for `blockMs`. The map is a bounded LRU (a strike is a use), so a
 * flood of distinct clients costs at most `maxTracked` entries.
 */
export class AbuseBlocker {
  readonly #options: AbuseBlockerOptions;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #records: LruMap<string, Record>;

  constructor(options: AbuseBlockerOptions) {
    if (!(options.threshold >= 1 && options.windowMs > 0 && options.blockMs > 0 && options.maxTracked >= 1)) {
      throw new RangeError('abuse blocker: threshold, windowMs, blockMs and maxTracked must be positive');
    }
    this.#options = options;
    this.#records = new LruMap(options.maxTracked);
    this.#clock = options.clock ?? systemClock;
  }

  /** Milliseconds the client is still blocked for (0 when it is not). */
  blockedFor(client: string): number {
    const record = this.#records.peek(client);
    if (record === undefined) return 0;
    const left = record.blockedUntil - this.#clock.now();
    return Math.max(left, 0);
  }

  /** Counts a bad answer; returns true when this strike blocked the client. */
  strike(client: string): boolean {
    const now = this.#clock.now();
    let record = this.#records.get(client);
    if (record === undefined) {
      record = { windowStart: now, strikes: 0, blockedUntil: 0 };
      this.#records.set(client, record);
    }
    if (record.blockedUntil > now) return false;
    if (now - record.windowStart >= this.#options.windowMs) {
      record.windowStart = now;
      record.strikes = 0;
    }
    record.strikes++;
    if (record.strikes < this.#options.threshold) return false;
    record.blockedUntil = now + this.#options.blockMs;
    record.strikes = 0;
    record.windowStart = record.blockedUntil;
    return true;
  }

  /** Clients currently tracked (never above `maxTracked`). */
  get size(): number {
    return this.#records.size;
  }
}
