import type { z } from 'zod';
import { EventSchemaError } from './event-schema.error.ts';
import { type OrderEvent, OrderEventSchema } from './orders.events.ts';

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
}

/**
 * Reads one message value from `orders.events`: bytes or a string of JSON, or an already parsed object.
 * Throws {@link EventSchemaError} naming every bad field, so a consumer can route the message to a
 * dead-letter topic with a reason a human can act on.
 */
export function parseOrderEvent(value: Uint8Array | string | unknown): OrderEvent {
  let data: unknown = value;
  if (typeof value === 'string' || value instanceof Uint8Array) {
    let text: string;
    try {
      text = typeof value === 'string' ? value : new TextDecoder('utf-8', { fatal: true }).decode(value);
    } catch (error) {
      throw new EventSchemaError('invalid order event', ['(root): not UTF-8'], { cause: error });
    }
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new EventSchemaError('invalid order event', [`(root): not JSON (${(error as Error).message})`], {
        cause: error,
      });
    }
  }
  const result = OrderEventSchema.safeParse(data);
  if (!result.success) {
    throw new EventSchemaError('invalid order event', describeIssues(result.error), { cause: result.error });
  }
  return result.data;
}

/**
 * Validates an event and encodes it as UTF-8 JSON for a Kafka message value. A producer never writes an
 * event its consumers would reject: a bad event throws {@link EventSchemaError} here instead.
 */
export function serializeOrderEvent(event: OrderEvent): Buffer {
  const result = OrderEventSchema.safeParse(event);
  if (!result.success) {
    throw new EventSchemaError(
      `refusing to serialize order event ${String((event as { type?: unknown })?.type)}`,
      describeIssues(result.error),
      { cause: result.error },
    );
  }
  return Buffer.from(JSON.stringify(result.data), 'utf8');
}

/** The Kafka message key for an event: its order id, so one order's events stay in order on one partition. */
export function orderEventKey(event: Pick<OrderEvent, 'orderId'>): string {
  return event.orderId;
}
