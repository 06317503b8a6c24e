import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ORDERS_EVENTS_TOPIC, type OrderEvent, orderEventKey, serializeOrderEvent } from '@rebound/contracts';
import type { Database, Queryable } from '@rebound/service-defaults';
import { activeTraceparent, currentCall, DATABASE, writeOutbox } from '@rebound/service-defaults';
import type { CancellationReason, OrderLine, OrderRecord } from './order.types.ts';

export type SagaStep =
  | 'reserve_stock'
  | 'charge_payment'
  | 'confirm_order'
  | 'refund_payment'
  | 'release_stock'
  | 'cancel_order';

export type StepOutcome = 'STARTED' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED' | 'UNKNOWN';

export interface StepRecord {
  readonly step: SagaStep;
  readonly seq: number;
  readonly outcome: StepOutcome;
  readonly detail: string;
  readonly attempts: number;
}

export interface NewOrder {
  readonly idempotencyKey: string;
  readonly requestHash: string;
  readonly customerId: string;
  readonly lines: readonly OrderLine[];
  readonly totalMinor: number;
  readonly currency: string;
}

const columns = `id, idempotency_key AS "idempotencyKey", request_hash AS "requestHash", customer_id AS "customerId",
  status, lines, total_minor AS "totalMinor", currency, cancellation_reason AS "cancellationReason",
  cancellation_detail AS "cancellationDetail", created_at AS "createdAt", updated_at AS "updatedAt"`;

function parse(row: OrderRecord): OrderRecord {
  return typeof row.lines === 'string' ? { ...row, lines: JSON.parse(row.lines) as OrderLine[] } : row;
}

/** A checkpoint: the heartbeat (a data-modifying CTE runs even unreferenced) and the step's row, atomically. */
const RECORD_STEP = `WITH heartbeat AS (
    UPDATE orders SET saga_heartbeat = now() WHERE id = $1 AND status = 'PENDING'
  )
  INSERT INTO saga_steps (order_id, step, seq, outcome, detail, attempts)
  VALUES ($1, $2, (SELECT coalesce(max(seq), 0) + 1 FROM saga_steps WHERE order_id = $1), $3, $4,
          CASE WHEN $3 = 'STARTED' THEN 1 ELSE 0 END)
  ON CONFLICT (order_id, step) DO UPDATE SET outcome = EXCLUDED.outcome, detail = EXCLUDED.detail,
    attempts = saga_steps.attempts + CASE WHEN EXCLUDED.outcome = 'STARTED' THEN 1 ELSE 0 END, updated_at = now()`;

/**
 * A check run first in every transaction of a saga driven by the recovery worker: `assertFencingToken` with
 * the worker's lease, so a deposed leader's late write is refused (rolled back) instead of landing.
 */
export type Fence = (tx: Queryable) => Promise<void>;

/**
 * Writes an order event to the outbox in the caller's transaction, validated against the contract first
 * (`serializeOrderEvent` throws on a bad event). Keyed by order id on `orders.events`, with the trace context
 * of the call that caused it; the relay publishes it once the transaction commits.
 */
export async function recordEvent(tx: Queryable, event: OrderEvent): Promise<void> {
  // The span writing it when tracing is on (the relay publishes the event under a child of it), else the caller's.
  const traceparent = activeTraceparent() ?? currentCall()?.traceparent;
  await writeOutbox(tx, {
    id: event.eventId,
    topic: ORDERS_EVENTS_TOPIC,
    key: orderEventKey(event),
    type: event.type,
    payload: serializeOrderEvent(event).toString('utf8'),
    ...(traceparent && { traceparent }),
  });
}

const envelope = (orderId: string) => ({
  eventId: randomUUID(),
  orderId,
  occurredAt: new Date().toISOString(),
  version: 1 as const,
});

/** Orders, their saga steps and their outbox, in the orders database. */
@Injectable()
export class OrdersRepository {
  readonly #db: Database;

  constructor(@Inject(DATABASE) db: Database) {
    this.#db = db;
  }

  /**
   * Creates the order (PENDING, with its OrderPlaced event), or returns the one this customer already placed
   * under this key. Keys are unique per customer (`UNIQUE (customer_id, idempotency_key)`, migration 003): the
   * same key from another customer is another order, and never returns or blocks this one.
   */
  place(order: NewOrder): Promise<{ created: boolean; order: OrderRecord }> {
    return this.#db.transaction(async (tx) => {
      const id = randomUUID();
      const inserted = await tx.query<OrderRecord>(
        `INSERT INTO orders (id, idempotency_key, request_hash, customer_id, status, lines, total_minor, currency)
         VALUES ($1, $2, $3, $4, 'PENDING', $5::jsonb, $6, $7)
         ON CONFLICT (customer_id, idempotency_key) DO NOTHING RETURNING ${columns}`,
        [
          id,
          order.idempotencyKey,
          order.requestHash,
          order.customerId,
          JSON.stringify(order.lines),
          order.totalMinor,
          order.currency,
        ],
      );
      const created = inserted.rows[0];
      if (created) {
        await recordEvent(tx, {
          type: 'OrderPlaced',
          ...envelope(id),
          customerId: order.customerId,
          lines: order.lines.map((line) => ({ ...line, unitPrice: { ...line.unitPrice } })),
          total: { amountMinor: order.totalMinor, currency: order.currency },
        });
        return { created: true, order: parse(created) };
      }
      const existing = await tx.query<OrderRecord>(
        `SELECT ${columns} FROM orders WHERE customer_id = $1 AND idempotency_key = $2`,
        [order.customerId, order.idempotencyKey],
      );
      const row = existing.rows[0];
      if (!row) throw new Error(`order of ${order.customerId} under key ${order.idempotencyKey} vanished`);
      return { created: false, order: parse(row) };
    });
  }

  /**
   * The order with this id; with `owner`, only if that customer placed it (another customer's order is
   * undefined, exactly like a missing one: the filter is in the query, so it never leaves the database).
   */
  async find(id: string, owner?: string): Promise<OrderRecord | undefined> {
    const { rows } =
      owner === undefined
        ? await this.#db.query<OrderRecord>(`SELECT ${columns} FROM orders WHERE id = $1`, [id])
        : await this.#db.query<OrderRecord>(
            `SELECT ${columns} FROM orders WHERE id = $1 AND customer_id = $2`,
            [id, owner],
          );
    return rows[0] && parse(rows[0]);
  }

  async steps(orderId: string): Promise<StepRecord[]> {
    const { rows } = await this.#db.query<StepRecord>(
      'SELECT step, seq, outcome, detail, attempts FROM saga_steps WHERE order_id = $1 ORDER BY seq',
      [orderId],
    );
    return rows;
  }

  /**
   * Records a step's outcome (STARTED counts an attempt) and refreshes the saga's heartbeat in one statement, so
   * an unfenced checkpoint is one round trip and one commit. Called with `tx` from inside a state-change
   * transaction; with `fence` (a resumed saga) the fence and the checkpoint share a transaction.
   */
  async recordStep(
    orderId: string,
    step: SagaStep,
    outcome: StepOutcome,
    detail = '',
    tx?: Queryable,
    fence?: Fence,
  ): Promise<void> {
    if (!tx && fence) {
      return this.#db.transaction(async (own) => {
        await fence(own);
        await this.recordStep(orderId, step, outcome, detail, own);
      });
    }
    await (tx ?? this.#db).query(RECORD_STEP, [orderId, step, outcome, detail]);
  }

  /**
   * Records that an attempt of `step` ended without an answer (UNKNOWN: it may or may not have taken effect) and
   * returns how long, in ms, the step has been unknown: measured by the database from the first such attempt,
   * so the saga's pause bound holds across restarts and replicas.
   */
  recordUnknown(orderId: string, step: SagaStep, detail: string, fence?: Fence): Promise<number> {
    return this.#db.transaction(async (tx) => {
      await fence?.(tx);
      await this.recordStep(orderId, step, 'UNKNOWN', detail, tx);
      const { rows } = await tx.query<{ pausedMs: number }>(
        `UPDATE saga_steps SET unknown_since = coalesce(unknown_since, now()) WHERE order_id = $1 AND step = $2
         RETURNING (extract(epoch FROM now() - unknown_since) * 1000)::float8 AS "pausedMs"`,
        [orderId, step],
      );
      return rows[0]?.pausedMs ?? 0;
    });
  }

  /** PENDING → CONFIRMED with its step and event, in one transaction. */
  confirm(orderId: string, fence?: Fence): Promise<void> {
    return this.#db.transaction(async (tx) => {
      await fence?.(tx);
      const { rows } = await tx.query(
        `UPDATE orders SET status = 'CONFIRMED', updated_at = now() WHERE id = $1 AND status = 'PENDING' RETURNING id`,
        [orderId],
      );
      if (rows.length === 0) return;
      await this.recordStep(orderId, 'confirm_order', 'SUCCEEDED', '', tx);
      await recordEvent(tx, {
        type: 'OrderConfirmed',
        ...envelope(orderId),
        reservationId: `rsv-${orderId}`,
        paymentId: `pay-${orderId}`,
      });
    });
  }

  /** PENDING → CANCELLED with the reason, its step and event, in one transaction. */
  cancel(orderId: string, reason: CancellationReason, detail: string, fence?: Fence): Promise<void> {
    return this.#db.transaction(async (tx) => {
      await fence?.(tx);
      const { rows } = await tx.query(
        `UPDATE orders SET status = 'CANCELLED', cancellation_reason = $2, cancellation_detail = $3, updated_at = now()
         WHERE id = $1 AND status = 'PENDING' RETURNING id`,
        [orderId, `CANCELLATION_REASON_${reason}`, detail],
      );
      if (rows.length === 0) return;
      await this.recordStep(orderId, 'cancel_order', 'SUCCEEDED', reason, tx);
      await recordEvent(tx, { type: 'OrderCancelled', ...envelope(orderId), reason, detail });
    });
  }

  /** Event types in the outbox for an order, in publish order (tests). */
  async outbox(orderId: string): Promise<string[]> {
    const { rows } = await this.#db.query<{ type: string }>(
      'SELECT event_type AS type FROM outbox WHERE message_key = $1 ORDER BY id',
      [orderId],
    );
    return rows.map((row) => row.type);
  }

  /**
   * PENDING orders whose saga nobody has touched for `staleMs` (no live request or worker is driving it), oldest
   * first: what the recovery worker resumes.
   */
  async stalled(staleMs: number, limit: number): Promise<OrderRecord[]> {
    const { rows } = await this.#db.query<OrderRecord>(
      `SELECT ${columns} FROM orders WHERE status = 'PENDING'
         AND saga_heartbeat < now() - $1 * interval '1 millisecond'
       ORDER BY saga_heartbeat LIMIT $2`,
      [staleMs, limit],
    );
    return rows.map(parse);
  }

  /**
   * Claims a stalled saga for the caller (refreshes its heartbeat) only if it is still PENDING and stale, in
   * a fenced transaction: false when someone else got to it first or the fence refused.
   */
  claim(orderId: string, staleMs: number, fence: Fence): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      await fence(tx);
      const { rows } = await tx.query(
        `UPDATE orders SET saga_heartbeat = now() WHERE id = $1 AND status = 'PENDING'
           AND saga_heartbeat < now() - $2 * interval '1 millisecond' RETURNING id`,
        [orderId, staleMs],
      );
      return rows.length > 0;
    });
  }
}
