import assert from 'node:assert/strict';
import { openPostgres } from '@rebound/storage';
import { netCharges, readLedger, readNotifications, readStock, waitFor } from '@rebound/testing';
import type { MatrixPlatform } from './matrix-platform.ts';
import { CUSTOMER, PRODUCTS } from './shoppers.ts';

/** Units each product is seeded with (inventory's migration 001). */
const SEEDED_UNITS = 100;

interface OrderRow {
  id: string;
  idempotencyKey: string;
  status: 'PENDING' | 'CONFIRMED' | 'CANCELLED';
  totalMinor: number;
  lines: Array<{ productId: string; quantity: number }>;
  reason: string;
}

export interface Books {
  /** This cell's orders: the keys it acknowledged, by final state. */
  readonly cell: { readonly placed: number; readonly confirmed: number; readonly cancelled: number };
  readonly orders: number;
  readonly confirmed: number;
  readonly cancelled: number;
  readonly lost: number;
  readonly cancelledWithMoney: number;
  readonly confirmedNotChargedOnce: number;
  readonly stockMismatches: number;
  readonly notificationMismatches: number;
  readonly reasons: Record<string, number>;
}

async function readOrders(platform: MatrixPlatform): Promise<OrderRow[]> {
  const db = await openPostgres({ url: platform.databases.orders.url, schema: 'orders', poolMax: 1 });
  try {
    const { rows } = await db.query<OrderRow>(
      `SELECT id, idempotency_key AS "idempotencyKey", status, total_minor AS "totalMinor", lines,
              cancellation_reason AS reason
       FROM orders WHERE customer_id = $1`,
      [CUSTOMER],
    );
    return rows.map((row) =>
      typeof row.lines === 'string' ? { ...row, lines: JSON.parse(row.lines) } : row,
    );
  } finally {
    await db.close();
  }
}

/**
 * The books of the whole run, read from durable records only (the orders table, the payments ledger, the stock
 * table, the notification rows), once every order is final and its notification is in: 0 orders lost or stuck,
 * 0 CANCELLED orders with a net charge, every CONFIRMED order charged exactly once its total, stock conserved
 * per product, exactly one notification per order outcome, one order per acknowledged key.
 */
export async function audit(
  platform: MatrixPlatform,
  acknowledged: ReadonlyMap<string, string>,
): Promise<Books> {
  const orders = await waitFor(
    async () => {
      const rows = await readOrders(platform);
      return rows.every((row) => row.status !== 'PENDING') ? rows : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500, description: 'no order left PENDING' },
  );
  const byKey = new Map(orders.map((row) => [row.idempotencyKey, row]));
  const lost = [...acknowledged].filter(([key, id]) => byKey.get(key)?.id !== id).length;
  const payments = platform.replicas.payments[0]?.adminUrl ?? '';
  const money = netCharges(await readLedger(payments));
  let cancelledWithMoney = 0;
  let confirmedNotChargedOnce = 0;
  for (const order of orders) {
    const paid = money.get(order.id) ?? { net: 0, charges: 0 };
    if (order.status === 'CANCELLED' && paid.net !== 0) cancelledWithMoney++;
    if (order.status === 'CONFIRMED' && (paid.net !== order.totalMinor || paid.charges !== 1))
      confirmedNotChargedOnce++;
  }
  const stock = await readStock(platform.replicas.inventory[0]?.adminUrl ?? '');
  let stockMismatches = 0;
  for (const productId of PRODUCTS) {
    const held = orders
      .filter((order) => order.status === 'CONFIRMED')
      .flatMap((order) => order.lines)
      .filter((line) => line.productId === productId)
      .reduce((sum, line) => sum + line.quantity, 0);
    const now = stock.get(productId);
    if (!now || now.available + now.reserved !== SEEDED_UNITS || now.reserved !== held) stockMismatches++;
  }
  const expected = new Map(
    orders.map((order) => [order.id, order.status === 'CONFIRMED' ? 'ORDER_CONFIRMED' : 'ORDER_CANCELLED']),
  );
  const notifications = await waitFor(
    async () => {
      const rows = (await readNotifications(platform.replicas.notifications[0]?.adminUrl ?? '')).filter(
        (row) => expected.has(row.orderId),
      );
      return rows.length >= expected.size ? rows : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500, description: 'a notification for every final order' },
  );
  const seen = new Map<string, number>();
  for (const row of notifications) seen.set(row.orderId, (seen.get(row.orderId) ?? 0) + 1);
  const notificationMismatches =
    [...expected].filter(([id]) => seen.get(id) !== 1).length +
    notifications.filter((row) => expected.get(row.orderId) !== row.kind).length;
  const mine = [...acknowledged.keys()].map((key) => byKey.get(key));
  const reasons: Record<string, number> = {};
  for (const order of mine) {
    if (order?.status !== 'CANCELLED') continue;
    const reason = order.reason.replace('CANCELLATION_REASON_', '');
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  }
  return {
    cell: {
      placed: acknowledged.size,
      confirmed: mine.filter((order) => order?.status === 'CONFIRMED').length,
      cancelled: mine.filter((order) => order?.status === 'CANCELLED').length,
    },
    orders: orders.length,
    confirmed: orders.filter((order) => order.status === 'CONFIRMED').length,
    cancelled: orders.filter((order) => order.status === 'CANCELLED').length,
    lost,
    cancelledWithMoney,
    confirmedNotChargedOnce,
    stockMismatches,
    notificationMismatches,
    reasons,
  };
}

/** Fails the test unless every invariant of {@link audit} holds. */
export function assertBooksBalance(books: Books, cell: string): void {
  assert.equal(books.lost, 0, `${cell}: an acknowledged key lost its order`);
  assert.equal(books.cancelledWithMoney, 0, `${cell}: a CANCELLED order holds money`);
  assert.equal(
    books.confirmedNotChargedOnce,
    0,
    `${cell}: a CONFIRMED order not charged exactly its total once`,
  );
  assert.equal(books.stockMismatches, 0, `${cell}: stock not conserved`);
  assert.equal(books.notificationMismatches, 0, `${cell}: not exactly one notification per order outcome`);
}
