import { parseOrderEvent } from '@rebound/contracts';
import type { ConsumedEvent, Queryable } from '@rebound/service-defaults';

/**
 * Records the notification an order event calls for, inside the consumer's transaction. Confirmed and
 * cancelled orders get one notification each; OrderPlaced needs none. A malformed event throws, so the
 * consumer sends it through the retry topics to the dead-letter topic instead of losing it.
 */
export async function applyOrderEvent(event: ConsumedEvent, tx: Queryable): Promise<void> {
  const order = parseOrderEvent(event.value);
  if (order.type === 'OrderPlaced') return;
  const kind = order.type === 'OrderConfirmed' ? 'ORDER_CONFIRMED' : 'ORDER_CANCELLED';
  const detail = order.type === 'OrderCancelled' ? `${order.reason}: ${order.detail}` : '';
  await tx.query(
    `INSERT INTO notifications (order_id, kind, event_id, detail) VALUES ($1, $2, $3, $4)
     ON CONFLICT (order_id, kind) DO NOTHING`,
    [order.orderId, kind, order.eventId, detail],
  );
}
