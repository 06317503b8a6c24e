import { Inject, Injectable } from '@nestjs/common';
import type { catalogV1 } from '@rebound/contracts';
import type { DegradationFlag } from '@rebound/service-defaults';
import { GATEWAY_CLIENTS, type GatewayClients } from '../clients/gateway.clients.ts';
import { httpErrorFromRpc, isDependencyFailure } from '../edge/grpc-to-http.mapper.ts';
import { HttpError } from '../edge/http.error.ts';
import { GATEWAY_CONTEXT, type GatewayContext } from '../gateway.context.ts';
import { LastGoodCache } from './catalog.cache.ts';

export interface ProductView {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly price: { readonly amountMinor: number; readonly currency: string } | null;
}

/** An answer, and when it came from the last good copy, how old that copy is (seconds) and which flag chose it. */
export interface CatalogAnswer<T> {
  readonly value: T;
  readonly fallbackAgeSeconds?: number;
  /** The degradation flag that served the copy without asking catalog (`serve-cached-catalog`). */
  readonly flag?: string;
}

/** The degradation flag: while on, product reads come from the last good copy and catalog is not called. */
export const SERVE_CACHED_CATALOG = 'serve-cached-catalog';

export function toProductView(product: catalogV1.Product): ProductView {
  return {
    id: product.id,
    name: product.name,
    description: product.description,
    price:
      product.price === undefined
        ? null
        : { amountMinor: product.price.amountMinor, currency: product.price.currency },
  };
}

const MAX_CACHED_PAGES = 64;
const MAX_CACHED_PRODUCTS = 10_000;

/**
 * Catalog reads with a fallback: every good answer is kept, and when catalog fails (down, broken, too slow for
 * the deadline, breaker open) the last good copy is served instead, marked so the caller can tell. While the
 * `serve-cached-catalog` flag is on (switched at `/admin/degradation`, by the remediation controller when catalog
 * is unavailable), the copy is served without calling catalog at all, and data never fetched is a 503.
 */
@Injectable()
export class CatalogService {
  readonly #pages = new LastGoodCache<{ products: ProductView[]; nextPageToken: string }>(MAX_CACHED_PAGES);
  readonly #products = new LastGoodCache<ProductView>(MAX_CACHED_PRODUCTS);
  readonly #clients: GatewayClients;
  readonly #context: GatewayContext;
  readonly #cachedOnly: DegradationFlag;

  constructor(
    @Inject(GATEWAY_CLIENTS) clients: GatewayClients,
    @Inject(GATEWAY_CONTEXT) context: GatewayContext,
  ) {
    this.#clients = clients;
    this.#context = context;
    this.#cachedOnly = context.degradation.declare(
      SERVE_CACHED_CATALOG,
      "product reads answered from the gateway's last good copy of the catalog, without calling catalog",
    );
  }

  async list(
    pageSize: number,
    pageToken: string,
    requestId: string,
  ): Promise<CatalogAnswer<{ products: ProductView[]; nextPageToken: string }>> {
    const key = `${pageSize}/${pageToken}`;
    if (this.#cachedOnly.on) return this.#flagged(this.#pages, key, 'this page of products');
    try {
      const response = await this.#clients.catalog.listProducts(
        { pageSize, pageToken },
        { metadata: { 'x-request-id': requestId } },
      );
      const value = { products: response.products.map(toProductView), nextPageToken: response.nextPageToken };
      this.#pages.set(key, value);
      for (const product of value.products) this.#products.set(product.id, product);
      return { value };
    } catch (error) {
      const cached = this.#pages.get(key);
      if (cached === undefined || !isDependencyFailure(error)) throw httpErrorFromRpc(error, 'catalog');
      return this.#fallback(cached.value, this.#pages.ageSeconds(cached), error, requestId);
    }
  }

  async get(id: string, requestId: string): Promise<CatalogAnswer<ProductView>> {
    if (this.#cachedOnly.on) return this.#flagged(this.#products, id, `product ${id}`);
    try {
      const response = await this.#clients.catalog.getProduct(
        { id },
        { metadata: { 'x-request-id': requestId } },
      );
      if (response.product === undefined) throw new HttpError(404, 'not_found', `no product ${id}`);
      const value = toProductView(response.product);
      this.#products.set(id, value);
      return { value };
    } catch (error) {
      if (error instanceof HttpError) throw error;
      const cached = this.#products.get(id);
      if (cached === undefined || !isDependencyFailure(error)) throw httpErrorFromRpc(error, 'catalog');
      return this.#fallback(cached.value, this.#products.ageSeconds(cached), error, requestId);
    }
  }

  /** The copy while the flag is on: no call to catalog, and no log line per request (the switch logged once). */
  #flagged<T>(cache: LastGoodCache<T>, key: string, what: string): CatalogAnswer<T> {
    const cached = cache.get(key);
    if (cached === undefined) {
      throw new HttpError(
        503,
        'catalog_degraded',
        `${SERVE_CACHED_CATALOG} is on and the gateway holds no copy of ${what}`,
        { headers: { 'retry-after': '30' } },
      );
    }
    this.#context.edge.fallback.inc({ source: 'catalog-cache' });
    return { value: cached.value, fallbackAgeSeconds: cache.ageSeconds(cached), flag: SERVE_CACHED_CATALOG };
  }

  #fallback<T>(value: T, ageSeconds: number, error: unknown, requestId: string): CatalogAnswer<T> {
    this.#context.edge.fallback.inc({ source: 'catalog-cache' });
    const reason = error instanceof Error ? error.message : String(error);
    this.#context.logger.warn(
      { requestId, ageSeconds, reason },
      'catalog failed: serving the last good copy',
    );
    return { value, fallbackAgeSeconds: ageSeconds };
  }
}
