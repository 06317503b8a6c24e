import { type Clock, systemClock } from '@rebound/service-defaults';
import type { OrderRecord } from './order.types.ts';

/** How often a replica re-reads an order whose saga another replica drives. */
export const WATCH_INTERVAL_MS = 100;

/**
 * Re-reads an order whose saga runs elsewhere (a retry or a hedge reached this replica while another drives
 * the saga, or froze with it) until it is final, `signal` aborts or `waitMs` has passed; returns the last row
 * read. So every replica answers a PlaceOrder the same way: the order as it stands when it ends, or just
 * before the caller's deadline.
 */
export async function watchUntilFinal(
  read: () => Promise<OrderRecord | undefined>,
  first: OrderRecord,
  signal: AbortSignal,
  waitMs: number,
  clock: Clock = systemClock,
): Promise<OrderRecord> {
  const until = clock.now() + waitMs;
  let order = first;
  while (order.status === 'PENDING' && !signal.aborted) {
    const left = until - clock.now();
    if (left <= 0) break;
    await new Promise<void>((resolve) => {
      const timer = clock.setTimer(done, Math.min(WATCH_INTERVAL_MS, left));
      function done(): void {
        timer.cancel();
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
    order = (await read()) ?? order;
  }
  return order;
}
