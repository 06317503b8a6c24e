import { type Clock, keepAliveClock, sleep } from '@rebound/load';
import { netCharges, readLedger, readNotifications, readStock } from '@rebound/testing';
import type { Target } from './platform.target.ts';

/** One business invariant as read from the durable records. */
export interface InvariantResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** What the invariants compare against: the stock's total per product before the scenario. */
export interface InvariantBaseline {
  readonly stockTotals: ReadonlyMap<string, number>;
}

/** Below this many available units of any product, the runner restocks before a scenario (`/admin/restock`). */
export const RESTOCK_BELOW = 40;

/**
 * The baseline of the stock invariant. A shop sold out (a long session of traffic) cancels every checkout before
 * its charge, and the saga scenarios would learn nothing: every product is topped up to 100 first.
 */
export async function invariantBaseline(target: Target): Promise<InvariantBaseline> {
  const inventory = target.adminUrl(await first(target, 'inventory'));
  let stock = await readStock(inventory);
  if ([...stock.values()].some((s) => s.available < RESTOCK_BELOW)) {
    const answer = await target.admin(await first(target, 'inventory'), 'POST', '/admin/restock', {
      atLeast: 100,
    });
    if (answer.status !== 200) throw new Error(`POST /admin/restock answered ${answer.status}`);
    stock = await readStock(inventory);
  }
  return { stockTotals: new Map([...stock].map(([id, s]) => [id, s.available + s.reserved])) };
}

/**
 * The shop's books, read as an auditor would (libs/testing `database.audit.ts`: the payments ledger, inventory's stock
 * table, notifications' table; orders counted in its table by `rebound_orders{status}`), after waiting up to
 * `settleMs` for in-flight sagas and events to finish:
 * - orders final: no order PENDING;
 * - money: no order charged twice, none refunded more than charged, and as many orders with money taken as
 *   orders CONFIRMED;
 * - stock: per product, available + reserved as before (no unit created or lost), none negative;
 * - notifications: at most one per order and kind, and every final order notified.
 */
export async function checkInvariants(
  target: Target,
  baseline: InvariantBaseline,
  options: { readonly settleMs: number; readonly intervalMs?: number; readonly clock?: Clock },
): Promise<InvariantResult[]> {
  const clock = options.clock ?? keepAliveClock;
  const deadline = clock.now() + options.settleMs;
  for (;;) {
    const results = await readInvariants(target, baseline);
    if (results.every((r) => r.ok) || clock.now() >= deadline) return results;
    await sleep(clock, options.intervalMs ?? 1_000);
  }
}

async function readInvariants(target: Target, baseline: InvariantBaseline): Promise<InvariantResult[]> {
  const orders = await target.replicas('orders');
  const count = async (status: string) => {
    const values = await Promise.all(orders.map((r) => target.metric([r], 'rebound_orders', { status })));
    return Math.max(0, ...values);
  };
  const [pending, confirmed, cancelled] = await Promise.all([
    count('PENDING'),
    count('CONFIRMED'),
    count('CANCELLED'),
  ]);
  const results: InvariantResult[] = [
    {
      name: 'orders final',
      ok: pending === 0,
      detail: `${pending} PENDING, ${confirmed} CONFIRMED, ${cancelled} CANCELLED`,
    },
  ];

  const ledger = netCharges(await readLedger(target.adminUrl(await first(target, 'payments'))));
  let charged = 0;
  const twice: string[] = [];
  const negative: string[] = [];
  for (const [orderId, { net, charges }] of ledger) {
    if (charges > 1) twice.push(orderId);
    if (net < 0) negative.push(orderId);
    if (net > 0) charged++;
  }
  results.push({
    name: 'money',
    ok: twice.length === 0 && negative.length === 0 && charged === confirmed,
    detail:
      `${charged} orders charged for ${confirmed} CONFIRMED` +
      (twice.length > 0 ? `; charged twice: ${twice.slice(0, 3).join(', ')}` : '') +
      (negative.length > 0 ? `; refunded beyond the charge: ${negative.slice(0, 3).join(', ')}` : ''),
  });

  const stock = await readStock(target.adminUrl(await first(target, 'inventory')));
  const drift: string[] = [];
  for (const [productId, { available, reserved }] of stock) {
    const before = baseline.stockTotals.get(productId);
    if (available < 0 || reserved < 0 || (before !== undefined && available + reserved !== before)) {
      drift.push(`${productId} ${available}+${reserved} (was ${before ?? '?'})`);
    }
  }
  results.push({
    name: 'stock',
    ok: drift.length === 0,
    detail: drift.length === 0 ? `${stock.size} products conserved` : drift.slice(0, 3).join('; '),
  });

  const notifications = await target.replicas('notifications');
  if (notifications.length > 0) {
    const rows = await readNotifications(target.adminUrl(notifications[0] as string));
    const keys = new Set(rows.map((r) => `${r.orderId}/${r.kind}`));
    const notified = new Set(rows.map((r) => r.orderId)).size;
    results.push({
      name: 'one notification per order',
      ok: keys.size === rows.length && notified === confirmed + cancelled,
      detail: `${rows.length} notifications (${rows.length - keys.size} duplicates) for ${notified} orders of ${confirmed + cancelled} final`,
    });
  }
  return results;
}

async function first(target: Target, process: string): Promise<string> {
  const status = await target.status();
  const replicas = await target.replicas(process);
  const readyOne = replicas.find((name) => status.rows.find((r) => r.name === name)?.ready);
  const chosen = readyOne ?? replicas[0];
  if (chosen === undefined) throw new Error(`the platform runs no ${process}`);
  return chosen;
}
