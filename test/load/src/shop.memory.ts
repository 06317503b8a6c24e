import { pick, type Random } from './seeded.random.ts';

/**
 * What the shoppers have learned from their answers, bounded: product ids from the product lists, and the
 * last orders each API key placed (an order is only visible to the client that placed it).
 */
export class ShopMemory {
  readonly #products: string[] = [];
  readonly #productSet = new Set<string>();
  readonly #orders = new Map<string, string[]>();
  readonly #maxProducts: number;
  readonly #maxOrdersPerKey: number;

  constructor(maxProducts = 1_000, maxOrdersPerKey = 100) {
    this.#maxProducts = maxProducts;
    this.#maxOrdersPerKey = maxOrdersPerKey;
  }

  get productCount(): number {
    return this.#products.length;
  }

  learnProducts(ids: readonly string[]): void {
    for (const id of ids) {
      if (this.#products.length >= this.#maxProducts) return;
      if (this.#productSet.has(id)) continue;
      this.#productSet.add(id);
      this.#products.push(id);
    }
  }

  /** A known product id, or undefined before the first product list. */
  someProduct(random: Random): string | undefined {
    return this.#products.length === 0 ? undefined : pick(random, this.#products);
  }

  /** Up to `count` distinct known product ids. */
  someProducts(random: Random, count: number): string[] {
    const chosen = new Set<string>();
    const wanted = Math.min(count, this.#products.length);
    while (chosen.size < wanted) chosen.add(pick(random, this.#products));
    return [...chosen];
  }

  rememberOrder(apiKey: string, orderId: string): void {
    let ids = this.#orders.get(apiKey);
    if (ids === undefined) {
      ids = [];
      this.#orders.set(apiKey, ids);
    }
    ids.push(orderId);
    if (ids.length > this.#maxOrdersPerKey) ids.shift();
  }

  /** One of the orders `apiKey` placed recently, or undefined when it placed none yet. */
  someOrder(random: Random, apiKey: string): string | undefined {
    const ids = this.#orders.get(apiKey);
    return ids === undefined || ids.length === 0 ? undefined : pick(random, ids);
  }
}
