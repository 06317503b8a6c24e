import { adminRequest } from './service-process.harness.ts';

export interface LedgerRow {
  readonly id: number;
  readonly paymentId: string;
  readonly orderId: string;
  readonly kind: 'CHARGE' | 'REFUND' | 'VOID' | 'DECLINE';
  readonly amountMinor: number;
}

/**
 * Every row of the payments ledger, read from payments' durable records through its authenticated admin
 * endpoint (`GET /admin/ledger`, paged), as an outside auditor reads it.
 */
export async function readLedger(paymentsAdminUrl: string, orderId?: string): Promise<LedgerRow[]> {
  const rows: LedgerRow[] = [];
  for (let afterId = 0; ; ) {
    const query = new URLSearchParams({ afterId: String(afterId), limit: '5000' });
    if (orderId !== undefined) query.set('orderId', orderId);
    const { status, json } = await adminRequest(paymentsAdminUrl, 'GET', `/admin/ledger?${query}`);
    if (status !== 200) throw new Error(`GET /admin/ledger answered ${status}: ${JSON.stringify(json)}`);
    const page = json.entries as LedgerRow[];
    rows.push(...page);
    if (page.length === 0) return rows;
    afterId = json.nextAfterId as number;
  }
}

/** Net money taken per order (charges minus refunds), from ledger rows. */
export function netCharges(rows: readonly LedgerRow[]): Map<string, { net: number; charges: number }> {
  const byOrder = new Map<string, { net: number; charges: number }>();
  for (const row of rows) {
    const entry = byOrder.get(row.orderId) ?? { net: 0, charges: 0 };
    if (row.kind === 'CHARGE') {
      entry.net += row.amountMinor;
      entry.charges++;
    }
    if (row.kind === 'REFUND') entry.net -= row.amountMinor;
    byOrder.set(row.orderId, entry);
  }
  return byOrder;
}

/** Every product's stock from inventory's durable records (`GET /admin/stock`). */
export async function readStock(
  inventoryAdminUrl: string,
): Promise<Map<string, { available: number; reserved: number }>> {
  const { status, json } = await adminRequest(inventoryAdminUrl, 'GET', '/admin/stock');
  if (status !== 200) throw new Error(`GET /admin/stock answered ${status}: ${JSON.stringify(json)}`);
  const products = json.products as Array<{ productId: string; available: number; reserved: number }>;
  return new Map(products.map(({ productId, available, reserved }) => [productId, { available, reserved }]));
}

export interface NotificationRow {
  readonly orderId: string;
  readonly kind: 'ORDER_CONFIRMED' | 'ORDER_CANCELLED';
  readonly eventId: string;
}

/** Every notification row from notifications' durable records (`GET /admin/notifications`, paged). */
export async function readNotifications(notificationsAdminUrl: string): Promise<NotificationRow[]> {
  const rows: NotificationRow[] = [];
  for (let offset = 0; ; offset += 5_000) {
    const path = `/admin/notifications?offset=${offset}&limit=5000`;
    const { status, json } = await adminRequest(notificationsAdminUrl, 'GET', path);
    if (status !== 200) throw new Error(`GET ${path} answered ${status}: ${JSON.stringify(json)}`);
    const page = json.notifications as NotificationRow[];
    rows.push(...page);
    if (page.length < 5_000) return rows;
  }
}
