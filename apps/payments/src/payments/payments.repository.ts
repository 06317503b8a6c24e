import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Database, Queryable } from '@rebound/service-defaults';
import { DATABASE } from '@rebound/service-defaults';

export type PaymentState = 'PENDING' | 'CHARGED' | 'REFUNDED' | 'DECLINED' | 'VOIDED';

export type LedgerKind = 'CHARGE' | 'REFUND' | 'VOID' | 'DECLINE';

export interface PaymentRow {
  readonly id: string;
  readonly orderId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly status: PaymentState;
  readonly detail: string;
}

export interface LedgerEntry {
  readonly id: number;
  readonly paymentId: string;
  readonly orderId: string;
  readonly kind: LedgerKind;
  readonly amountMinor: number;
  readonly currency: string;
  readonly recordedAt: Date;
}

/** A PENDING row older than this belongs to a call that died or froze mid-charge, and may be taken over. */
export const PENDING_TAKEOVER_SECONDS = 10;

/** The currency of a tombstone for a payment id never seen: ISO 4217's "no currency". */
export const NO_CURRENCY = 'XXX';

const columns = 'id, order_id AS "orderId", amount_minor AS "amountMinor", currency, status, detail';
const ledgerColumns = `id, payment_id AS "paymentId", order_id AS "orderId", kind, amount_minor AS "amountMinor",
  currency, recorded_at AS "recordedAt"`;

/** The call holding a PENDING payment: settle with it, and only that call's settle lands. */
export interface Claim {
  readonly paymentId: string;
  readonly token: string;
}

async function record(tx: Queryable, row: PaymentRow, kind: LedgerKind): Promise<void> {
  await tx.query(
    `INSERT INTO payment_ledger (payment_id, order_id, kind, amount_minor, currency) VALUES ($1, $2, $3, $4, $5)`,
    [row.id, row.orderId, kind, row.amountMinor, row.currency],
  );
}

/**
 * The ledger row of a transition made in the same statement: `WITH t AS (UPDATE payments ... RETURNING id,
 * order_id, amount_minor, currency) ${RECORD_IN_LEDGER} <kind> FROM t`, one round trip and atomic.
 */
const RECORD_IN_LEDGER = `INSERT INTO payment_ledger (payment_id, order_id, amount_minor, currency, kind)
       SELECT id, order_id, amount_minor, currency,`;

/**
 * Payments as a state machine per payment id, with every transition and its ledger row in one transaction:
 *
 *   (none) → PENDING (claimed by one call) → CHARGED → REFUNDED
 *                                         ↘ DECLINED
 *   (none) or PENDING → VOIDED (compensated before any charge landed: a tombstone)
 */
@Injectable()
export class PaymentsRepository {
  readonly #db: Database;

  constructor(@Inject(DATABASE) db: Database) {
    this.#db = db;
  }

  async find(id: string): Promise<PaymentRow | undefined> {
    const { rows } = await this.#db.query<PaymentRow>(`SELECT ${columns} FROM payments WHERE id = $1`, [id]);
    return rows[0];
  }

  /**
   * Claims the payment id for this call: a new PENDING row, or one whose holder went silent for longer than the
   * takeover age (same amount only). Undefined when another call holds or finished it.
   */
  async claim(
    id: string,
    orderId: string,
    amountMinor: number,
    currency: string,
  ): Promise<Claim | undefined> {
    const token = randomUUID();
    const claimed = await this.#db.query(
      `INSERT INTO payments (id, order_id, amount_minor, currency, status, claim) VALUES ($1, $2, $3, $4, 'PENDING', $6)
       ON CONFLICT (id) DO UPDATE SET claim = EXCLUDED.claim, updated_at = now()
         WHERE payments.status = 'PENDING' AND payments.updated_at < now() - make_interval(secs => $5)
           AND payments.amount_minor = EXCLUDED.amount_minor AND payments.currency = EXCLUDED.currency
       RETURNING id`,
      [id, orderId, amountMinor, currency, PENDING_TAKEOVER_SECONDS, token],
    );
    return claimed.rows.length > 0 ? { paymentId: id, token } : undefined;
  }

  /**
   * PENDING → CHARGED or DECLINED, with its ledger row, if `claim` still holds the payment. False when it does not
   * (voided by a compensation, or taken over): nothing is written, and the caller must undo what it did.
   */
  async settle(claim: Claim, status: 'CHARGED' | 'DECLINED', detail = ''): Promise<boolean> {
    const { rows } = await this.#db.query(
      `WITH settled AS (
         UPDATE payments SET status = $3, detail = $4, claim = NULL, updated_at = now()
         WHERE id = $1 AND status = 'PENDING' AND claim = $2 RETURNING id, order_id, amount_minor, currency
       )
       ${RECORD_IN_LEDGER} $5::text FROM settled RETURNING id`,
      [claim.paymentId, claim.token, status, detail, status === 'CHARGED' ? 'CHARGE' : 'DECLINE'],
    );
    return rows.length > 0;
  }

  /** The processor was down: give the claim back so that a retry can charge. */
  async abandon(claim: Claim): Promise<void> {
    await this.#db.query(`DELETE FROM payments WHERE id = $1 AND status = 'PENDING' AND claim = $2`, [
      claim.paymentId,
      claim.token,
    ]);
  }

  /**
   * Voids a payment that was not charged: an unknown id gets a VOIDED tombstone, a PENDING one (a charge in
   * flight, perhaps frozen) becomes VOIDED so its settle will find nothing to settle. Returns the row as it is
   * afterwards (CHARGED, DECLINED, REFUNDED or VOIDED).
   */
  voidUnlessCharged(id: string, orderId: string): Promise<PaymentRow> {
    return this.#db.transaction(async (tx) => {
      const voided = async (): Promise<PaymentRow | undefined> => {
        const { rows } = await tx.query<PaymentRow>(
          `UPDATE payments SET status = 'VOIDED', claim = NULL, detail = 'compensated before it was charged',
             updated_at = now() WHERE id = $1 AND status = 'PENDING' RETURNING ${columns}`,
          [id],
        );
        return rows[0];
      };
      let row = await voided();
      if (!row) {
        const { rows } = await tx.query<PaymentRow>(
          `INSERT INTO payments (id, order_id, amount_minor, currency, status, detail)
           VALUES ($1, $2, 0, '${NO_CURRENCY}', 'VOIDED', 'compensated before it was charged')
           ON CONFLICT (id) DO NOTHING RETURNING ${columns}`,
          [id, orderId],
        );
        row = rows[0];
      }
      // A conflict means the row was there or has just been committed by a racing claim: read it (a new
      // statement sees the latest commit) and void it if it is PENDING after all.
      row ??= await voided();
      if (row) {
        await record(tx, row, 'VOID');
        return row;
      }
      const { rows } = await tx.query<PaymentRow>(`SELECT ${columns} FROM payments WHERE id = $1`, [id]);
      const current = rows[0];
      if (!current) throw new Error(`payment ${id} vanished while being voided`);
      return current;
    });
  }

  /** CHARGED → REFUNDED once, with its ledger row; returns whether this call did it. */
  async markRefunded(id: string): Promise<boolean> {
    const { rows } = await this.#db.query(
      `WITH refunded AS (
         UPDATE payments SET status = 'REFUNDED', updated_at = now() WHERE id = $1 AND status = 'CHARGED'
         RETURNING id, order_id, amount_minor, currency
       )
       ${RECORD_IN_LEDGER} 'REFUND' FROM refunded RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  /** Ledger rows in the order they were written, for one order or all, after `afterId`, at most `limit`. */
  async ledger(options: { orderId?: string; afterId: number; limit: number }): Promise<LedgerEntry[]> {
    const { rows } =
      options.orderId === undefined
        ? await this.#db.query<LedgerEntry>(
            `SELECT ${ledgerColumns} FROM payment_ledger WHERE id > $1 ORDER BY id LIMIT $2`,
            [options.afterId, options.limit],
          )
        : await this.#db.query<LedgerEntry>(
            `SELECT ${ledgerColumns} FROM payment_ledger WHERE order_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
            [options.orderId, options.afterId, options.limit],
          );
    return rows;
  }

  /** Payments a charge is in flight for (PENDING): not in the ledger yet, and voidable. */
  async inFlight(): Promise<PaymentRow[]> {
    const { rows } = await this.#db.query<PaymentRow>(
      `SELECT ${columns} FROM payments WHERE status = 'PENDING' ORDER BY created_at LIMIT 1000`,
    );
    return rows;
  }

  /** Ledger totals by kind and currency, from the table (they survive every restart). */
  async totals(): Promise<
    Array<{ kind: LedgerKind; currency: string; entries: number; amountMinor: number }>
  > {
    const { rows } = await this.#db.query<{
      kind: LedgerKind;
      currency: string;
      entries: number;
      amountMinor: number;
    }>(
      `SELECT kind, currency, count(*)::int AS entries, coalesce(sum(amount_minor), 0)::bigint AS "amountMinor"
       FROM payment_ledger GROUP BY kind, currency ORDER BY kind, currency`,
    );
    return rows;
  }
}
