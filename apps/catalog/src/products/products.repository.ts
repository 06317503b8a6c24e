import { Injectable } from '@nestjs/common';
import type { catalogV1 } from '@rebound/contracts';
import { SEED_PRODUCTS } from './products.seed.ts';

/** Products in memory, ordered by id (the catalog is read-mostly; every replica holds the same list). */
@Injectable()
export class ProductsRepository {
  readonly #products: readonly catalogV1.Product[] = [...SEED_PRODUCTS].sort((a, b) =>
    a.id.localeCompare(b.id),
  );
  readonly #byId = new Map(this.#products.map((product) => [product.id, product]));

  /** Up to `limit` products whose id sorts after `afterId` (all when empty). */
  page(afterId: string, limit: number): { products: catalogV1.Product[]; more: boolean } {
    const start = afterId === '' ? 0 : this.#products.findIndex((product) => product.id > afterId);
    if (start < 0) return { products: [], more: false };
    const products = this.#products.slice(start, start + limit);
    return { products, more: start + limit < this.#products.length };
  }

  get(id: string): catalogV1.Product | undefined {
    return this.#byId.get(id);
  }
}
