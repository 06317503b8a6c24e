import { z } from 'zod';

/** The Kafka topic that carries every order lifecycle event, keyed by order id (one partition per order). */
export const ORDERS_EVENTS_TOPIC = 'orders.events';

/** Schema version written by this code. Readers accept every version they know (today: 1). */
export const ORDER_EVENT_VERSION = 1;

const money = z.object({
  /** Integer minor units (cents). */
  amountMinor: z.int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /** ISO 4217, upper case. */
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as EUR'),
});

const line = z.object({
  productId: z.string().min(1),
  quantity: z.int().positive(),
  unitPrice: money,
});

/**
 * Fields every order event carries. `eventId` is the consumers' deduplication key. Objects are not strict:
 * unknown fields are dropped (tolerant reader), so adding an optional field never breaks an older consumer.
 */
const envelope = {
  eventId: z.uuid(),
  orderId: z.string().min(1),
  /** RFC 3339 / ISO 8601 UTC timestamp with a `Z` offset. */
  occurredAt: z.iso.datetime(),
  version: z.literal(ORDER_EVENT_VERSION),
};

export const OrderPlacedSchema = z.object({
  type: z.literal('OrderPlaced'),
  ...envelope,
  customerId: z.string().min(1),
  lines: z.array(line).min(1),
  total: money,
});

export const OrderConfirmedSchema = z.object({
  type: z.literal('OrderConfirmed'),
  ...envelope,
  reservationId: z.string().min(1),
  paymentId: z.string().min(1),
});

/** Same names as the proto's CancellationReason, without the prefix. */
export const CancellationReasonSchema = z.enum([
  'OUT_OF_STOCK',
  'PAYMENT_DECLINED',
  'DEPENDENCY_UNAVAILABLE',
]);

export const OrderCancelledSchema = z.object({
  type: z.literal('OrderCancelled'),
  ...envelope,
  reason: CancellationReasonSchema,
  detail: z.string(),
});

/** Any event on {@link ORDERS_EVENTS_TOPIC}, told apart by `type`. */
export const OrderEventSchema = z.discriminatedUnion('type', [
  OrderPlacedSchema,
  OrderConfirmedSchema,
  OrderCancelledSchema,
]);

export type OrderPlaced = z.infer<typeof OrderPlacedSchema>;
export type OrderConfirmed = z.infer<typeof OrderConfirmedSchema>;
export type OrderCancelled = z.infer<typeof OrderCancelledSchema>;
export type OrderCancellationReason = z.infer<typeof CancellationReasonSchema>;
export type OrderEvent = z.infer<typeof OrderEventSchema>;
export type OrderEventType = OrderEvent['type'];
