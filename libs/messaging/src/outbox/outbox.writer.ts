import type { Queryable } from '@rebound/storage';
import type { MessageHeaders } from '../headers.codec.ts';

/** One event to publish once the surrounding transaction commits. */
export interface OutboxEvent {
  /** Globally unique event id (a UUID): the idempotent consumers' dedupe key. */
  readonly id: string;
  readonly topic: string;
  /** The aggregate id (order id): Kafka key, so the events of one aggregate stay in order. */
  readonly key: string;
  readonly type: string;
  /** The serialized event (e.g. `serializeOrderEvent(event)`). */
  readonly payload: string;
  /** W3C trace context of the request that produced the event. */
  readonly traceparent?: string;
  readonly headers?: MessageHeaders;
}

/**
 * Inserts an outbox row with the caller's transaction `tx`, next to the business change it describes: both
 * commit or neither does, so an event is published if and only if its state change happened.
 *
 * Order per key is the row id order, so write the events of one aggregate while holding its row lock (e.g. after
 * `SELECT … FOR UPDATE` or an `UPDATE` of the aggregate) to keep commit order and id order the same.
 */
export async function writeOutbox(tx: Queryable, event: OutboxEvent): Promise<void> {
  const headers = { ...event.headers, ...(event.traceparent ? { traceparent: event.traceparent } : {}) };
  await tx.query(
    `INSERT INTO outbox (event_id, topic, message_key, event_type, payload, headers)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
    [event.id, event.topic, event.key, event.type, event.payload, JSON.stringify(headers)],
  );
}
