// Generated from proto/ by `pnpm run generate` (buf + ts-proto); never edited by hand.
// Each proto package is a namespace because packages own their messages (each has its own Money).

export { EventSchemaError, isEventSchemaError } from './events/event-schema.error.ts';
export { orderEventKey, parseOrderEvent, serializeOrderEvent } from './events/orders.codec.ts';
export type {
  OrderCancellationReason,
  OrderCancelled,
  OrderConfirmed,
  OrderEvent,
  OrderEventType,
  OrderPlaced,
} from './events/orders.events.ts';
export {
  CancellationReasonSchema,
  ORDER_EVENT_VERSION,
  ORDERS_EVENTS_TOPIC,
  OrderCancelledSchema,
  OrderConfirmedSchema,
  OrderEventSchema,
  OrderPlacedSchema,
} from './events/orders.events.ts';
export * as catalogV1 from './generated/rebound/catalog/v1/catalog.ts';
export * as inventoryV1 from './generated/rebound/inventory/v1/inventory.ts';
export * as ordersV1 from './generated/rebound/orders/v1/orders.ts';
export * as paymentsV1 from './generated/rebound/payments/v1/payments.ts';
