import { Inject, Injectable } from '@nestjs/common';
import type { Database, Queryable } from '@rebound/service-defaults';
import { DATABASE, RpcError, status } from '@rebound/service-defaults';

export interface Line {
  readonly productId: string;
  readonly quantity: number;
}

export type ReservationState = 'RESERVED' | 'RELEASED';

function sameLines(a: readonly Line[], b: readonly Line[]): boolean {
  return (
    a.length === b.length &&
    a.every((line, i) => line.productId === b[i]?.productId && line.quantity === b[i]?.quantity)
  );
}

/**
 * Stock and reservations. Every change runs in one transaction; each line takes stock with one conditional
 * UPDATE (`available >= qty`), which locks that row, so concurrent reservations can never drive stock negative.
 * Lines are taken in product-id order so two reservations never wait on each other in a cycle.
 */
@Injectable()
export class StockRepository {
  readonly #db: Database;

  constructor(@Inject(DATABASE) db: Database) {
    this.#db = db;
  }

  /** Reserves every line or none; the same id again returns the first outcome. */
  reserve(reservationId: string, unsorted: readonly Line[]): Promise<ReservationState> {
    const lines = [...unsorted].sort((a, b) => a.productId.localeCompare(b.productId));
    return this.#db.transaction(async (tx): Promise<ReservationState> => {
      const inserted = await tx.query(
        `INSERT INTO reservations (id, status, lines) VALUES ($1, 'RESERVED', $2::jsonb)
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [reservationId, JSON.stringify(lines)],
      );
      if (inserted.rows.length === 0) return this.#existing(tx, reservationId, lines);
      for (const line of lines) {
        const taken = await tx.query(
          `UPDATE stock SET available = available - $2, reserved = reserved + $2
           WHERE product_id = $1 AND available >= $2 RETURNING available`,
          [line.productId, line.quantity],
        );
        if (taken.rows.length > 0) continue;
        const known = await tx.query<{ available: number }>(
          'SELECT available FROM stock WHERE product_id = $1',
          [line.productId],
        );
        const row = known.rows[0];
        if (!row) throw new RpcError(status.NOT_FOUND, `no stock record for product ${line.productId}`);
        throw new RpcError(
          status.FAILED_PRECONDITION,
          `out of stock: ${line.productId} has ${row.available} available, ${line.quantity} requested`,
        );
      }
      return 'RESERVED';
    });
  }

  async #existing(tx: Queryable, reservationId: string, lines: readonly Line[]): Promise<ReservationState> {
    const { rows } = await tx.query<{ status: ReservationState; lines: Line[] }>(
      'SELECT status, lines FROM reservations WHERE id = $1',
      [reservationId],
    );
    const row = rows[0];
    if (!row) throw new RpcError(status.ABORTED, 'reservation changed concurrently; retry');
    const stored = typeof row.lines === 'string' ? (JSON.parse(row.lines) as Line[]) : row.lines;
    // A tombstone (released before it was reserved): the late reserve is refused and takes nothing.
    if (row.status === 'RELEASED' && stored.length === 0) {
      throw new RpcError(
        status.FAILED_PRECONDITION,
        `reservation ${reservationId} was released (its order was compensated); a late reserve takes no stock`,
      );
    }
    if (!sameLines(stored, lines)) {
      throw new RpcError(status.ALREADY_EXISTS, `reservation ${reservationId} exists with other lines`);
    }
    return row.status;
  }

  /**
   * Gives the stock of a reservation back once; an unknown id leaves a tombstone (RELEASED, no lines) and
   * succeeds, so that a reserve arriving late (queued on a frozen replica, or slow) is refused.
   */
  release(reservationId: string): Promise<ReservationState> {
    return this.#db.transaction(async (tx): Promise<ReservationState> => {
      const release = async () =>
        (
          await tx.query<{ lines: Line[] | string }>(
            `UPDATE reservations SET status = 'RELEASED', updated_at = now()
             WHERE id = $1 AND status = 'RESERVED' RETURNING lines`,
            [reservationId],
          )
        ).rows[0];
      let row = await release();
      if (!row) {
        const tombstone = await tx.query(
          `INSERT INTO reservations (id, status, lines) VALUES ($1, 'RELEASED', '[]'::jsonb)
           ON CONFLICT (id) DO NOTHING RETURNING id`,
          [reservationId],
        );
        if (tombstone.rows.length > 0) return 'RELEASED';
        // The id exists: released already, or reserved by a transaction that committed while this insert waited
        // on it (a new statement sees that commit), which must be given back all the same.
        row = await release();
        if (!row) return 'RELEASED';
      }
      const lines = typeof row.lines === 'string' ? (JSON.parse(row.lines) as Line[]) : row.lines;
      for (const line of lines) {
        await tx.query(
          'UPDATE stock SET available = available + $2, reserved = reserved - $2 WHERE product_id = $1',
          [line.productId, line.quantity],
        );
      }
      return 'RELEASED';
    });
  }

  /** Every product's stock, by product id: what auditors read (GET /admin/stock) and the stock gauge shows. */
  /** Raises every product's available units to at least `atLeast`; answers the stock after. */
  async restock(atLeast: number): Promise<Array<{ productId: string; available: number; reserved: number }>> {
    await this.#db.query('UPDATE stock SET available = GREATEST(available, $1)', [atLeast]);
    return this.allStock();
  }

  async allStock(): Promise<Array<{ productId: string; available: number; reserved: number }>> {
    const { rows } = await this.#db.query<{ productId: string; available: number; reserved: number }>(
      'SELECT product_id AS "productId", available, reserved FROM stock ORDER BY product_id',
    );
    return rows;
  }

  async stock(productId: string): Promise<{ available: number; reserved: number } | undefined> {
    const { rows } = await this.#db.query<{ available: number; reserved: number }>(
      'SELECT available, reserved FROM stock WHERE product_id = $1',
      [productId],
    );
    return rows[0];
  }
}
