import type { ordersV1 } from '@rebound/contracts';
import { waitFor } from '@rebound/testing';
import type { MatrixPlatform } from './matrix-platform.ts';

export const PRODUCTS = Array.from({ length: 12 }, (_, i) => `p-${String(i + 1).padStart(3, '0')}`);
export const CUSTOMER = 'matrix-shopper';
/** At or above the simulated card limit: payments declines, the saga compensates. */
export const DECLINED_PRICE_MINOR = 1_000_000;

export interface Shopping {
  /** Idempotency key → order id, for every key the shop acknowledged (answered with an order). */
  readonly acknowledged: Map<string, string>;
  readonly keys: readonly string[];
  /** Settles when every key was sent once. */
  readonly done: Promise<void>;
}

let sequence = 0;

function request(key: string, priceMinor: number): ordersV1.PlaceOrderRequest {
  const productId = PRODUCTS[sequence++ % PRODUCTS.length] as string;
  return {
    idempotencyKey: key,
    customerId: CUSTOMER,
    lines: [{ productId, quantity: 1, unitPrice: { amountMinor: priceMinor, currency: 'EUR' } }],
  };
}

/**
 * `count` checkouts from `clients` concurrent shoppers, each key sent once here (a failed send is left for
 * {@link settle}, which re-sends it with the same key and body, as a client does).
 */
export function shop(
  platform: MatrixPlatform,
  prefix: string,
  count: number,
  options: { clients?: number; priceMinor?: number } = {},
): Shopping & { requests: Map<string, ordersV1.PlaceOrderRequest> } {
  const keys = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const requests = new Map(keys.map((key) => [key, request(key, options.priceMinor ?? 1_000)]));
  const acknowledged = new Map<string, string>();
  let next = 0;
  const shopper = async () => {
    while (next < keys.length) {
      const key = keys[next++] as string;
      await send(platform, requests.get(key) as ordersV1.PlaceOrderRequest, acknowledged).catch(
        () => undefined,
      );
    }
  };
  const done = Promise.all(Array.from({ length: options.clients ?? 4 }, shopper)).then(() => undefined);
  return { acknowledged, keys, done, requests };
}

async function send(
  platform: MatrixPlatform,
  request: ordersV1.PlaceOrderRequest,
  acknowledged: Map<string, string>,
): Promise<ordersV1.Order | undefined> {
  const { order } = await platform.orders.placeOrder(request, { timeoutMs: 10_000 });
  if (order) acknowledged.set(request.idempotencyKey, order.id);
  return order;
}

/** Re-sends every key until each is acknowledged and its order is final (CONFIRMED or CANCELLED). */
export async function settle(
  platform: MatrixPlatform,
  shopping: Shopping & { requests: Map<string, ordersV1.PlaceOrderRequest> },
): Promise<void> {
  await shopping.done;
  const final = new Set<string>();
  await waitFor(
    async () => {
      for (const key of shopping.keys) {
        if (final.has(key)) continue;
        const order = await send(
          platform,
          shopping.requests.get(key) as ordersV1.PlaceOrderRequest,
          shopping.acknowledged,
        ).catch(() => undefined);
        if (order && order.status !== 'ORDER_STATUS_PENDING') final.add(key);
      }
      return final.size === shopping.keys.length;
    },
    { timeoutMs: 120_000, intervalMs: 500, description: 'every checkout acknowledged and final' },
  );
}
