import { Inject } from '@nestjs/common';
import { catalogV1 } from '@rebound/contracts';
import { GrpcService, RpcError, status, validateRequest } from '@rebound/service-defaults';
import { z } from 'zod';
import { ProductsRepository } from './products.repository.ts';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

const listSchema = z.object({
  pageSize: z
    .number()
    .int()
    .min(0, 'must not be negative')
    .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`),
  pageToken: z.string().max(200),
});
const getSchema = z.object({ id: z.string().trim().min(1, 'is required').max(64, 'is too long') });

/** Page tokens are opaque to clients: base64url of the last id served. */
function decodeToken(token: string): string {
  if (token === '') return '';
  const id = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^p-\d{3,}$/.test(id))
    throw new RpcError(status.INVALID_ARGUMENT, 'page_token: not a token from this service');
  return id;
}

@GrpcService(catalogV1.CatalogServiceService)
export class ProductsGrpcService {
  readonly #products: ProductsRepository;

  // Explicit token: decorator metadata cannot name classes imported under isolatedModules.
  constructor(@Inject(ProductsRepository) products: ProductsRepository) {
    this.#products = products;
  }

  async listProducts(request: catalogV1.ListProductsRequest): Promise<catalogV1.ListProductsResponse> {
    const { pageSize, pageToken } = validateRequest(listSchema, request);
    const { products, more } = this.#products.page(decodeToken(pageToken), pageSize || DEFAULT_PAGE_SIZE);
    const last = products.at(-1);
    return { products, nextPageToken: more && last ? Buffer.from(last.id).toString('base64url') : '' };
  }

  async getProduct(request: catalogV1.GetProductRequest): Promise<catalogV1.GetProductResponse> {
    const { id } = validateRequest(getSchema, request);
    const product = this.#products.get(id);
    if (!product) throw new RpcError(status.NOT_FOUND, `no product with id ${id}`);
    return { product };
  }
}
