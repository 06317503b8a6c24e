import type { catalogV1 } from '@rebound/contracts';

/** What every benchmark server answers to GetProduct: the same small product, echoing the id asked for. */
export function answer(id: string): catalogV1.GetProductResponse {
  return { product: { id, name: 'bench', description: '', price: { amountMinor: 1999, currency: 'EUR' } } };
}
