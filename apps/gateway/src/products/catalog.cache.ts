import { type Clock, LruMap, systemClock } from '@rebound/service-defaults';

/** A value and when it was fetched (monotonic ms). */
export interface Cached<T> {
  readonly value: T;
  readonly at: number;
}

/**
 * The last good answer per key, bounded (least recently written forgotten first). Catalog data is small and
 * read-mostly, so keeping it lets the shop keep showing products while catalog is down.
 */
export class LastGoodCache<T> {
  /** Writes are the uses: a read (`peek`) does not keep an entry. */
  readonly #entries: LruMap<string, Cached<T>>;
  readonly #clock: Pick<Clock, 'now'>;

  constructor(max: number, clock: Pick<Clock, 'now'> = systemClock) {
    this.#entries = new LruMap(max);
    this.#clock = clock;
  }

  set(key: string, value: T): void {
    this.#entries.set(key, { value, at: this.#clock.now() });
  }

  get(key: string): Cached<T> | undefined {
    return this.#entries.peek(key);
  }

  /** Whole seconds since `entry` was fetched. */
  ageSeconds(entry: Cached<T>): number {
    return Math.max(0, Math.floor((this.#clock.now() - entry.at) / 1000));
  }

  get size(): number {
    return this.#entries.size;
  }
}
