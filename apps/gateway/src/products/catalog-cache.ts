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
  readonly #entries = new Map<string, Cached<T>>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(max: number, now: () => number = () => performance.now()) {
    this.#max = max;
    this.#now = now;
  }

  set(key: string, value: T): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { value, at: this.#now() });
  }

  get(key: string): Cached<T> | undefined {
    return this.#entries.get(key);
  }

  /** Whole seconds since `entry` was fetched. */
  ageSeconds(entry: Cached<T>): number {
    return Math.max(0, Math.floor((this.#now() - entry.at) / 1000));
  }

  get size(): number {
    return this.#entries.size;
  }
}
