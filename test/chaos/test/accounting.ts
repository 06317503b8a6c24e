import assert from 'node:assert/strict';
import type { ordersV1 } from '@rebound/contracts';
import { adminRequest, netCharges, readLedger, waitFor } from '@rebound/testing';
import type { Platform } from './platform.ts';

export const PRODUCTS = ['p-001', 'p-002', 'p-003'] as const;

export interface Load {
  /** Idempotency key → order id, for every key the shop accepted. */
  readonly accepted: Map<string, string>;
  readonly keys: string[];
}

/**
 * `count` orders from `clients` concurrent clients (bounded); a failed call is left for {@link settleKeys},
 * which retries it with the same key. `done` settles when every key was tried once.
 */
export function placeOrders(
  platform: Platform,
  prefix: string,
  count: number,
  clients = 4,
): Load & { done: Promise<void>; attempted: () => number } {
  const keys = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const accepted = new Map<string, string>();
  let next = 0;
  const client = async () => {
    while (next < keys.length) {
      const key = keys[next++] as string;
      await submit(platform, key, accepted).catch(() => undefined);
    }
  };
  const done = Promise.all(Array.from({ length: clients }, client)).then(() => undefined);
  return { accepted, keys, done, attempted: () => next };
}

export function submit(platform: Platform, key: string, accepted: Map<string, string>): Promise<void> {
  const productId = PRODUCTS[Number(key.split('-').at(-1)) % PRODUCTS.length] as string;
  return platform.ordersClient
    .placeOrder(
      {
        idempotencyKey: key,
        customerId: 'chaos',
        lines: [{ productId, quantity: 1, unitPrice: { amountMinor: 1_000, currency: 'EUR' } }],
      },
      { timeoutMs: 15_000 },
    )
    .then((response) => {
      if (response.order) accepted.set(key, response.order.id);
    });
}

/** Re-submits every key not yet accepted (same key: the client's retry) until all are. */
export async function settleKeys(platform: Platform, load: Load): Promise<void> {
  await waitFor(
    async () => {
      for (const key of load.keys) if (!load.accepted.has(key)) await submit(platform, key, load.accepted);
      return load.accepted.size === load.keys.length;
    },
    { timeoutMs: 90_000, intervalMs: 500, description: 'every key accepted' },
  );
}

export interface Stock {
  available: number;
  reserved: number;
}

export async function stock(platform: Platform): Promise<Map<string, Stock>> {
  const result = new Map<string, Stock>();
  for (const productId of PRODUCTS) {
    const { available, reserved } = await platform.inventoryClient.getStock({ productId });
    result.set(productId, { available, reserved });
  }
  return result;
}

export interface Baseline {
  readonly stock: Map<string, Stock>;
  readonly notifications: number;
}

async function notificationCount(platform: Platform): Promise<number> {
  const { status, json } = await adminRequest(platform.notifications.adminUrl, 'GET', '/admin/notifications');
  assert.equal(status, 200);
  return (json.counts as { total: number }).total;
}

export async function baseline(platform: Platform): Promise<Baseline> {
  return {
    stock: await stock(platform),
    notifications: await notificationCount(platform),
  };
}

export interface Summary {
  placed: number;
  confirmed: number;
  cancelled: number;
  lost: number;
  doubleCharges: number;
  duplicateNotifications: number;
}

/**
 * Waits until every accepted order is final, then checks: no order lost or stuck, stock + confirmed units =
 * initial per product, each confirmed order charged its total exactly once and each cancelled one nothing (from
 * the payments ledger), one notification per final order.
 */
export async function account(
  platform: Platform,
  load: Load,
  before: Baseline,
  scenario: string,
): Promise<Summary> {
  const ids = [...load.accepted.values()];
  const orders = new Map<string, ordersV1.Order>();
  await waitFor(
    async () => {
      for (const id of ids) {
        if (
          orders.get(id)?.status === 'ORDER_STATUS_CONFIRMED' ||
          orders.get(id)?.status === 'ORDER_STATUS_CANCELLED'
        )
          continue;
        const { order } = await platform.ordersClient.getOrder({ id });
        if (order) orders.set(id, order);
      }
      return [...orders.values()].filter((o) => o.status !== 'ORDER_STATUS_PENDING').length === ids.length;
    },
    { timeoutMs: 90_000, intervalMs: 500, description: `${scenario}: every order CONFIRMED or CANCELLED` },
  );
  const final = [...orders.values()];
  const confirmed = final.filter((o) => o.status === 'ORDER_STATUS_CONFIRMED');
  const cancelled = final.filter((o) => o.status === 'ORDER_STATUS_CANCELLED');

  const after = await stock(platform);
  for (const productId of PRODUCTS) {
    const units = confirmed
      .flatMap((o) => o.lines)
      .filter((line) => line.productId === productId)
      .reduce((sum, line) => sum + line.quantity, 0);
    const was = before.stock.get(productId) as Stock;
    const now = after.get(productId) as Stock;
    assert.equal(
      now.available + units,
      was.available,
      `${scenario}: ${productId} available + confirmed = initial`,
    );
    assert.equal(
      now.reserved - was.reserved,
      units,
      `${scenario}: ${productId} held only for confirmed orders`,
    );
  }

  const expected = before.notifications + final.length;
  const notifications = await waitFor(
    async () => {
      const n = await notificationCount(platform);
      return n >= expected ? n : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500, description: `${scenario}: one notification per final order` },
  );
  // Money from the payments ledger (durable, per order), not from processor counters a restart resets.
  const money = netCharges(await readLedger(platform.payments.adminUrl));
  const wrongMoney = final.filter((order) => {
    const paid = money.get(order.id) ?? { net: 0, charges: 0 };
    return order.status === 'ORDER_STATUS_CONFIRMED'
      ? paid.net !== (order.total?.amountMinor ?? -1) || paid.charges !== 1
      : paid.net !== 0;
  }).length;
  const summary: Summary = {
    placed: ids.length,
    confirmed: confirmed.length,
    cancelled: cancelled.length,
    lost: ids.length - final.length,
    doubleCharges: wrongMoney,
    duplicateNotifications: notifications - expected,
  };
  assert.equal(summary.lost, 0);
  assert.equal(
    summary.doubleCharges,
    0,
    `${scenario}: each confirmed order charged its total once, each cancelled one nothing (ledger)`,
  );
  assert.equal(summary.duplicateNotifications, 0);
  return summary;
}

export function report(scenario: string, summary: Summary, extra: Record<string, string> = {}): void {
  const fields = Object.entries({ ...summary, ...extra }).map(([k, v]) => `${k}=${v}`);
  process.stdout.write(`chaos summary [${scenario}] ${fields.join(' ')}\n`);
}
