import type { ordersV1 } from '@rebound/contracts';

export type OrderState = 'PENDING' | 'CONFIRMED' | 'CANCELLED';

export type CancellationReason = 'OUT_OF_STOCK' | 'PAYMENT_DECLINED' | 'DEPENDENCY_UNAVAILABLE';

export interface OrderLine {
  readonly productId: string;
  readonly quantity: number;
  readonly unitPrice: { readonly amountMinor: number; readonly currency: string };
}

/** An order as stored. */
export interface OrderRecord {
  readonly id: string;
  readonly idempotencyKey: string;
  readonly requestHash: string;
  readonly customerId: string;
  readonly status: OrderState;
  readonly lines: readonly OrderLine[];
  readonly totalMinor: number;
  readonly currency: string;
  readonly cancellationReason: ordersV1.CancellationReason;
  readonly cancellationDetail: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The downstream idempotency keys, derived from the order id so every retry and resume reuses them. */
export const reservationIdOf = (orderId: string): string => `rsv-${orderId}`;
export const paymentIdOf = (orderId: string): string => `pay-${orderId}`;

export function toProtoOrder(order: OrderRecord): ordersV1.Order {
  return {
    id: order.id,
    status: `ORDER_STATUS_${order.status}`,
    lines: order.lines.map((line) => ({ ...line, unitPrice: { ...line.unitPrice } })),
    total: { amountMinor: order.totalMinor, currency: order.currency },
    cancellationReason: order.cancellationReason,
    cancellationDetail: order.cancellationDetail,
    createdAt: new Date(order.createdAt).toISOString(),
    updatedAt: new Date(order.updatedAt).toISOString(),
    customerId: order.customerId,
  };
}
