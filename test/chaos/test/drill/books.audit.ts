import { netCharges, readLedger, readNotifications, readStock, waitFor } from '@rebound/testing';
import pg from 'pg';
import type { Acknowledged } from './drill.shoppers.ts';

export interface StoredOrder {
  readonly id: string;
  readonly status: 'PENDING' | 'CONFIRMED' | 'CANCELLED';
  readonly lines: readonly { productId: string; quantity: number }[];
  readonly totalMinor: number;
}

/** Every order in orders' own table (schema `orders` of database `orders`), read as an auditor with the superuser. */
export async function readOrders(ordersDatabaseUrl: string): Promise<StoredOrder[]> {
  const client = new pg.Client({ connectionString: ordersDatabaseUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{
      id: string;
      status: StoredOrder['status'];
      lines: StoredOrder['lines'];
      total_minor: string;
    }>('SELECT id, status, lines, total_minor FROM orders.orders ORDER BY created_at');
    return rows.map((r) => ({
      id: r.id,
      status: r.status,
      lines: r.lines,
      totalMinor: Number(r.total_minor),
    }));
  } finally {
    await client.end().catch(() => {});
  }
}

/** Waits until no order is PENDING (orders' recovery worker finishes the sagas the restore left half-done). */
export function settledOrders(ordersDatabaseUrl: string, timeoutMs: number): Promise<StoredOrder[]> {
  return waitFor(
    async () => {
      // A read that fails (the endpoint not following a primary yet) is tried again; waitFor names the last error.
      const orders = await readOrders(ordersDatabaseUrl);
      return !orders.some((o) => o.status === 'PENDING') ? orders : undefined;
    },
    {
      timeoutMs,
      intervalMs: 500,
      description: 'every restored order CONFIRMED or CANCELLED (none stuck PENDING)',
    },
  );
}

/** What the restore kept of the acknowledged orders: the recovery point and what was lost after it. */
export interface RecoveryPoint {
  /** Acknowledged before the destruction, and found again. */
  readonly restored: number;
  /** Acknowledged before the destruction, and not found: acknowledged writes lost. */
  readonly lost: readonly Acknowledged[];
  /**
   * Lost although an order sent after its acknowledgement survived: its row committed before one the restore kept,
   * so the WAL replay skipped it. Must be empty.
   */
  readonly holes: readonly Acknowledged[];
  /** From the acknowledgement of the last restored order to the last acknowledgement before the loss (0: none lost). */
  readonly rpoMs: number;
}

export function recoveryPoint(before: readonly Acknowledged[], stored: ReadonlySet<string>): RecoveryPoint {
  const kept = before.filter((a) => stored.has(a.orderId));
  const lost = before.filter((a) => !stored.has(a.orderId));
  const latestKeptSend = Math.max(-Infinity, ...kept.map((a) => a.sentAt));
  const holes = lost.filter((a) => a.ackAt < latestKeptSend);
  const lastAck = Math.max(-Infinity, ...before.map((a) => a.ackAt));
  const lastKeptAck = Math.max(-Infinity, ...kept.map((a) => a.ackAt));
  const rpoMs = lost.length === 0 ? 0 : lastAck - (kept.length > 0 ? lastKeptAck : lastAck);
  return { restored: kept.length, lost, holes, rpoMs };
}

export interface BooksReport {
  readonly confirmed: number;
  readonly cancelled: number;
  /** Problems found, one line each: an empty list means the books balance. */
  readonly problems: string[];
  /** Confirmed orders with more than one ORDER_CONFIRMED row (confirmed again by a new event after the restore). */
  readonly notifiedTwice: number;
}

/**
 * The business invariants, from durable records: the payments ledger equals the confirmed orders (each charged
 * its total once, each cancelled one nothing; count and amount in total), stock is conserved against `initial`
 * (available + units confirmed = initial available; reserved grows by exactly the units confirmed), and every final
 * order has its notification (counted once per order id: the outbox may re-publish). Notifications may lag the
 * restore: waited for up to `timeoutMs`.
 */
export async function auditBooks(options: {
  readonly orders: readonly StoredOrder[];
  readonly paymentsAdminUrl: string;
  readonly inventoryAdminUrl: string;
  readonly notificationsAdminUrl: string;
  readonly initialStock: ReadonlyMap<string, { available: number; reserved: number }>;
  readonly timeoutMs: number;
}): Promise<BooksReport> {
  const problems: string[] = [];
  const confirmed = options.orders.filter((o) => o.status === 'CONFIRMED');
  const cancelled = options.orders.filter((o) => o.status === 'CANCELLED');
  const byId = new Map(options.orders.map((o) => [o.id, o]));

  const money = netCharges(await readLedger(options.paymentsAdminUrl));
  for (const order of options.orders) {
    const paid = money.get(order.id) ?? { net: 0, charges: 0 };
    const expected = order.status === 'CONFIRMED' ? order.totalMinor : 0;
    if (paid.net !== expected || (order.status === 'CONFIRMED' && paid.charges !== 1)) {
      problems.push(
        `ledger: ${order.status} order ${order.id} paid ${paid.net} in ${paid.charges} charges (expected ${expected})`,
      );
    }
  }
  for (const [orderId, paid] of money) {
    if (!byId.has(orderId) && paid.net !== 0)
      problems.push(`ledger: ${paid.net} taken for order ${orderId}, which orders does not have`);
  }
  const ledgerTotal = [...money.values()].reduce((sum, p) => sum + p.net, 0);
  const confirmedTotal = confirmed.reduce((sum, o) => sum + o.totalMinor, 0);
  const charged = [...money.values()].filter((p) => p.net > 0).length;
  if (ledgerTotal !== confirmedTotal || charged !== confirmed.length) {
    problems.push(
      `ledger: ${charged} orders charged ${ledgerTotal} in all, but ${confirmed.length} orders confirmed for ${confirmedTotal}`,
    );
  }

  const stock = await readStock(options.inventoryAdminUrl);
  for (const [productId, initial] of options.initialStock) {
    const units = confirmed
      .flatMap((o) => o.lines)
      .filter((line) => line.productId === productId)
      .reduce((sum, line) => sum + line.quantity, 0);
    const now = stock.get(productId);
    if (!now || now.available + units !== initial.available || now.reserved - initial.reserved !== units) {
      problems.push(
        `stock: ${productId} was ${initial.available} available/${initial.reserved} held, ${units} units confirmed, ` +
          `now ${now?.available} available/${now?.reserved} held`,
      );
    }
  }

  let notifiedTwice = 0;
  const missing = await waitFor(
    async () => {
      const rows = await readNotifications(options.notificationsAdminUrl).catch(() => undefined);
      if (!rows) return undefined;
      const kinds = new Map<string, Map<string, number>>();
      for (const row of rows) {
        const perKind = kinds.get(row.orderId) ?? new Map<string, number>();
        perKind.set(row.kind, (perKind.get(row.kind) ?? 0) + 1);
        kinds.set(row.orderId, perKind);
      }
      notifiedTwice = confirmed.filter((o) => (kinds.get(o.id)?.get('ORDER_CONFIRMED') ?? 0) > 1).length;
      const without = [
        ...confirmed.filter((o) => !kinds.get(o.id)?.has('ORDER_CONFIRMED')),
        ...cancelled.filter((o) => !kinds.get(o.id)?.has('ORDER_CANCELLED')),
      ];
      if (without.length === 0) return [];
      // Thrown, not returned: waitFor names the last error when it gives up.
      throw new Error(
        `${without.length} final orders without one (${without
          .slice(0, 3)
          .map((o) => o.id)
          .join(', ')}…)`,
      );
    },
    { timeoutMs: options.timeoutMs, intervalMs: 500, description: 'a notification for every final order' },
  ).catch((error: Error) => [error.message]);
  problems.push(...missing.map((line) => `notifications: ${line}`));
  return { confirmed: confirmed.length, cancelled: cancelled.length, problems, notifiedTwice };
}
