import { setTimeout as pause } from 'node:timers/promises';
import { placeOrder } from '@rebound/e2e';

/** One checkout the shop acknowledged (2xx with an order), with the client's times of request and answer. */
export interface Acknowledged {
  readonly key: string;
  readonly orderId: string;
  /** `Date.now()` when the request left, and when its acknowledgement arrived. */
  readonly sentAt: number;
  readonly ackAt: number;
}

export interface Shoppers {
  readonly acknowledged: Acknowledged[];
  /** Requests answered with no order (an error status, a socket error, a timeout): not acknowledged. */
  failed(): number;
  /** Stops starting checkouts; resolves once the last one in flight has settled. */
  stop(): Promise<void>;
}

/** The catalog's products (apps/catalog's seed, 100 units each in inventory): one unit of each in turn. */
export const DRILL_PRODUCTS = Array.from({ length: 12 }, (_, i) => `p-${String(i + 1).padStart(3, '0')}`);

/**
 * `count` shoppers checking out one unit at a time through the gateway, each with a fresh Idempotency-Key, back
 * to back; after a failed checkout a shopper pauses `backoffMs` (pacing, so an outage is not a busy loop).
 * Every acknowledged order is recorded with the times the client saw.
 */
export function startShoppers(
  gatewayUrl: string,
  prefix: string,
  options: { count?: number; backoffMs?: number; timeoutMs?: number } = {},
): Shoppers {
  const acknowledged: Acknowledged[] = [];
  let failed = 0;
  let running = true;
  let sequence = 0;
  const shopper = async () => {
    while (running) {
      const n = sequence++;
      const key = `${prefix}-${n}`;
      const productId = DRILL_PRODUCTS[n % DRILL_PRODUCTS.length] as string;
      const sentAt = Date.now();
      const answer = await placeOrder(gatewayUrl, [{ productId, quantity: 1 }], key).catch(() => undefined);
      if (answer && answer.status >= 200 && answer.status < 300 && answer.order) {
        acknowledged.push({ key, orderId: answer.order.id, sentAt, ackAt: Date.now() });
        continue;
      }
      failed++;
      await pause(options.backoffMs ?? 200);
    }
  };
  const done = Promise.all(Array.from({ length: options.count ?? 4 }, shopper));
  return {
    acknowledged,
    failed: () => failed,
    async stop() {
      running = false;
      await done;
    },
  };
}

/** Places checkouts one after another until the shop acknowledges one; resolves with it (bounded in time). */
export async function firstAcknowledged(
  gatewayUrl: string,
  prefix: string,
  deadlineMs: number,
): Promise<Acknowledged> {
  const until = performance.now() + deadlineMs;
  for (let n = 0; performance.now() < until; n++) {
    const key = `${prefix}-${n}`;
    const sentAt = Date.now();
    const answer = await placeOrder(gatewayUrl, [{ productId: 'p-001', quantity: 1 }], key).catch(
      () => undefined,
    );
    if (answer && answer.status >= 200 && answer.status < 300 && answer.order) {
      return { key, orderId: answer.order.id, sentAt, ackAt: Date.now() };
    }
    await pause(100);
  }
  throw new Error(`no checkout acknowledged within ${deadlineMs} ms of the restore`);
}
