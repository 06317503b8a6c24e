/** One entry, linked in order of use. */
class LruNode<K, V> {
  readonly key: K;
  value: V;
  older: LruNode<K, V> | undefined = undefined;
  newer: LruNode<K, V> | undefined = undefined;

  constructor(key: K, value: V) {
    this.key = key;
    this.value = value;
  }
}

/**
 * A map with a hard bound on its size: beyond `maxSize` entries, the least recently used one is evicted (and
 * handed to `onEvict`). `get` and `set` count as a use, `peek` does not, so a caller chooses what "recent" means:
 * last read, or last written. Every operation is O(1) (a hash lookup and a few pointer moves). The repository's
 * one LRU: the keyed rate limit's buckets and the gateway's abuse blocker, idempotency store and catalog cache.
 */
export class LruMap<K, V> {
  readonly maxSize: number;
  readonly #nodes = new Map<K, LruNode<K, V>>();
  readonly #onEvict: ((key: K, value: V) => void) | undefined;
  #oldest: LruNode<K, V> | undefined = undefined;
  #newest: LruNode<K, V> | undefined = undefined;

  constructor(maxSize: number, onEvict?: (key: K, value: V) => void) {
    if (!(maxSize >= 1) || !Number.isInteger(maxSize)) {
      throw new RangeError(`LruMap: maxSize must be an integer >= 1; got ${maxSize}`);
    }
    this.maxSize = maxSize;
    this.#onEvict = onEvict;
  }

  /** Entries held (never above `maxSize`). */
  get size(): number {
    return this.#nodes.size;
  }

  has(key: K): boolean {
    return this.#nodes.has(key);
  }

  /** The value of `key`, made the most recently used. */
  get(key: K): V | undefined {
    const node = this.#nodes.get(key);
    if (node === undefined) return undefined;
    if (node !== this.#newest) {
      this.#unlink(node);
      this.#link(node);
    }
    return node.value;
  }

  /** The value of `key`, leaving the order of use as it is. */
  peek(key: K): V | undefined {
    return this.#nodes.get(key)?.value;
  }

  /** Stores `value` as the most recently used; a new key beyond `maxSize` evicts the least recently used first. */
  set(key: K, value: V): this {
    const node = this.#nodes.get(key);
    if (node !== undefined) {
      node.value = value;
      if (node !== this.#newest) {
        this.#unlink(node);
        this.#link(node);
      }
      return this;
    }
    if (this.#nodes.size >= this.maxSize) this.#evictOldest();
    const added = new LruNode(key, value);
    this.#nodes.set(key, added);
    this.#link(added);
    return this;
  }

  /** Removes `key` (not an eviction: `onEvict` is not called). */
  delete(key: K): boolean {
    const node = this.#nodes.get(key);
    if (node === undefined) return false;
    this.#unlink(node);
    this.#nodes.delete(key);
    return true;
  }

  /** The least recently used key, or `undefined` when empty. */
  oldestKey(): K | undefined {
    return this.#oldest?.key;
  }

  /** The least recently used value, or `undefined` when empty. */
  oldest(): V | undefined {
    return this.#oldest?.value;
  }

  #evictOldest(): void {
    const oldest = this.#oldest!;
    this.#unlink(oldest);
    this.#nodes.delete(oldest.key);
    this.#onEvict?.(oldest.key, oldest.value);
  }

  #link(node: LruNode<K, V>): void {
    const newest = this.#newest;
    if (newest === undefined) this.#oldest = node;
    else {
      newest.newer = node;
      node.older = newest;
    }
    this.#newest = node;
  }

  #unlink(node: LruNode<K, V>): void {
    const { older, newer } = node;
    if (older === undefined) this.#oldest = newer;
    else older.newer = newer;
    if (newer === undefined) this.#newest = older;
    else newer.older = older;
    node.older = node.newer = undefined;
  }
}
