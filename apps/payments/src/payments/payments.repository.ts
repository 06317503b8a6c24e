import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '@rebound/service-defaults';
import type { Database } from '@rebound/storage';

export type PaymentState = 'PENDING' | 'CHARGED' | 'REFUNDED' | 'DECLINED';

export interface PaymentRow {
  readonly id: string;
  readonly orderId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly status: PaymentState;
  readonly detail: string;
}

/** A PENDING row older than this belongs to a process that died mid-call and may be taken over. */
export const PENDING_TAKEOVER_SECONDS = 30;

const columns = 'id, order_id AS "orderId", amount_minor AS "amountMinor", currency, status, detail';

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
   * Claims the payment id for this call: true when a new PENDING row was written (or an abandoned one taken
   * over); false when another call holds or finished it.
   */
  async claim(id: string, orderId: string, amountMinor: number, currency: string): Promise<boolean> {
    const inserted = await this.#db.query(
      `INSERT INTO payments (id, order_id, amount_minor, currency, status) VALUES ($1, $2, $3, $4, 'PENDING')
       ON CONFLICT (id) DO UPDATE SET updated_at = now()
         WHERE payments.status = 'PENDING' AND payments.updated_at < now() - make_interval(secs => $5)
           AND payments.amount_minor = EXCLUDED.amount_minor AND payments.currency = EXCLUDED.currency
       RETURNING id`,
      [id, orderId, amountMinor, currency, PENDING_TAKEOVER_SECONDS],
    );
    return inserted.rows.length > 0;
  }

  async settle(id: string, status: 'CHARGED' | 'DECLINED', detail = ''): Promise<void> {
    await this.#db.query(`UPDATE payments SET status = $2, detail = $3, updated_at = now() WHERE id = $1`, [
      id,
      status,
      detail,
    ]);
  }

  /** The processor was down: forget the claim so that a retry can charge. */
  async abandon(id: string): Promise<void> {
    await this.#db.query(`DELETE FROM payments WHERE id = $1 AND status = 'PENDING'`, [id]);
  }

  /** CHARGED → REFUNDED once; returns whether this call did it. */
  async markRefunded(id: string): Promise<boolean> {
    const { rows } = await this.#db.query(
      `UPDATE payments SET status = 'REFUNDED', updated_at = now() WHERE id = $1 AND status = 'CHARGED' RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }
}
