import { type Clock, systemClock } from '@rebound/service-defaults';
import type { OrderRecord } from './order.types.ts';

/** The first wait before a replica re-reads an order whose saga another replica drives; each next one doubles. */
export const WATCH_INTERVAL_MS = 100;
/** The longest wait between two reads of a watched order. */
export const WATCH_MAX_INTERVAL_MS = 800;

/**
 * Re-reads an order whose saga runs elsewhere (a retry or a hedge reached this replica while another drives
 * the saga, or froze with it) until it is final, `signal` aborts or `waitMs` has passed; returns the last row
 * read. So every replica answers a PlaceOrder the same way: the order as it stands when it ends, or just
 * before the caller's deadline. The waits between reads double from `WATCH_INTERVAL_MS` up to
 * `WATCH_MAX_INTERVAL_MS`: a hedge on a loaded platform (the gateway hedges a PlaceOrder after 1 s) would
 * otherwise read the order ten times a second for as long as the other replica's checkout takes, adding load
 * exactly when there is too much; the last read is still at the deadline.
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
  let interval = WATCH_INTERVAL_MS;
  while (order.status === 'PENDING' && !signal.aborted) {
    const left = until - clock.now();
    if (left <= 0) break;
    const wait = Math.min(interval, left);
    interval = Math.min(interval * 2, WATCH_MAX_INTERVAL_MS);
    await new Promise<void>((resolve) => {
      const timer = clock.setTimer(done, wait);
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
