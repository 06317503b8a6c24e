import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { status } from '@grpc/grpc-js';
import { inventoryV1, ordersV1 } from '@rebound/contracts';
import { createRpcClient } from '@rebound/rpc';
import { openPostgres } from '@rebound/storage';
import {
  adminRequest,
  metricValue,
  netCharges,
  readLedger,
  rpcFailure,
  type ServiceProcess,
  serviceDatabaseUrl,
  startSagaServices,
  startServiceProcess,
  waitFor,
} from '@rebound/testing';

const app = (name: string) => fileURLToPath(new URL(`../../${name}/dist/main.js`, import.meta.url));
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

describe('orders: the checkout saga over real inventory and payments processes', () => {
  let dir: string;
  let inventory: ServiceProcess;
  let payments: ServiceProcess;
  let orders: ServiceProcess;
  let ordersClient: ReturnType<typeof createRpcClient<typeof ordersV1.OrdersServiceService>>;
  let inventoryClient: ReturnType<typeof createRpcClient<typeof inventoryV1.InventoryServiceService>>;
  let sequence = 0;
  /** Order ids by scenario, for the final look at what the saga recorded. */
  const placed: Record<string, string> = {};

  const stock = async (productId: string) => {
    const { available, reserved } = await inventoryClient.getStock({ productId });
    return { available, reserved };
  };
  const place = (lines: ordersV1.OrderLine[], idempotencyKey = `key-${++sequence}`) =>
    ordersClient.placeOrder({ idempotencyKey, customerId: 'customer-1', lines }, { timeoutMs: 20_000 });
  /** Money payments holds for the order, from its durable ledger (charges minus refunds). */
  const charged = async (orderId: string) =>
    netCharges(await readLedger(payments.adminUrl, orderId)).get(orderId)?.net ?? 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebound-orders-'));
    ({ inventory, payments } = await startSagaServices(app, dir));
    orders = await startServiceProcess({
      script: app('orders'),
      env: {
        SERVICE_NAME: 'orders',
        DATA_DIR: join(dir, 'orders'),
        INVENTORY_ADDRS: inventory.address,
        PAYMENTS_ADDRS: payments.address,
        SAGA_CALL_TIMEOUT_MS: '2000',
        // Longer than the breaker's open window (5 s): a paused saga gets to probe payments again before it.
        SAGA_PAUSE_BOUND_MS: '8000',
      },
      readyTimeoutMs: 120_000,
    });
    const options = { defaults: { breaker: false as const, timeoutMs: 10_000 } };
    ordersClient = createRpcClient(ordersV1.OrdersServiceService, { target: [orders.address], ...options });
    inventoryClient = createRpcClient(inventoryV1.InventoryServiceService, {
      target: [inventory.address],
      ...options,
    });
  });

  after(async () => {
    for (const client of [ordersClient, inventoryClient]) client?.$rpc.close();
    const exits = await Promise.all([orders?.stop(), inventory?.stop(), payments?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
    assert.deepEqual(exits, [0, 0, 0], 'SIGTERM drains and every process exits 0');
  });

  it('confirms an order: stock reserved, payment charged, the same order on GetOrder', async () => {
    const { order } = await place([{ productId: 'p-001', quantity: 2, unitPrice: eur(500) }]);
    assert.equal(order?.status, 'ORDER_STATUS_CONFIRMED');
    placed.confirmed = order?.id ?? '';
    assert.deepEqual(order?.total, eur(1_000));
    assert.deepEqual(await stock('p-001'), { available: 98, reserved: 2 });
    const fetched = await ordersClient.getOrder({ id: order?.id ?? '' });
    assert.deepEqual(fetched.order, order);
    assert.equal(await metricValue(orders.adminUrl, 'rebound_orders_sagas_total{outcome="confirmed"'), 1);
  });

  it('is idempotent by key: the same request is the same order; another request under the key is refused', async () => {
    const lines = [{ productId: 'p-005', quantity: 1, unitPrice: eur(2_000) }];
    const first = await place(lines, 'key-repeat');
    const again = await place(lines, 'key-repeat');
    assert.equal(again.order?.id, first.order?.id);
    assert.equal(again.order?.status, 'ORDER_STATUS_CONFIRMED');
    assert.deepEqual(await stock('p-005'), { available: 99, reserved: 1 }, 'reserved once');
    const other = await rpcFailure(
      place([{ productId: 'p-005', quantity: 3, unitPrice: eur(2_000) }], 'key-repeat'),
    );
    assert.equal(other.code, status.FAILED_PRECONDITION);
    assert.match(other.details, /different request/);
  });

  it('scopes idempotency keys per customer: the same key from two customers is two orders, neither blocked', async () => {
    const asCustomer = (customerId: string, lines: ordersV1.OrderLine[]) =>
      ordersClient.placeOrder({ idempotencyKey: 'key-shared', customerId, lines }, { timeoutMs: 20_000 });
    const a = await asCustomer('customer-a', [{ productId: 'p-006', quantity: 1, unitPrice: eur(700) }]);
    // Another body under the same key: refused for customer-a itself, but a new order for customer-b.
    const b = await asCustomer('customer-b', [{ productId: 'p-006', quantity: 2, unitPrice: eur(700) }]);
    assert.equal(a.order?.status, 'ORDER_STATUS_CONFIRMED');
    assert.equal(b.order?.status, 'ORDER_STATUS_CONFIRMED');
    assert.notEqual(b.order?.id, a.order?.id);
    assert.equal(a.order?.customerId, 'customer-a');
    assert.equal(b.order?.customerId, 'customer-b');
    assert.deepEqual(b.order?.total, eur(1_400), "customer-b's own lines, not customer-a's order");
    assert.deepEqual(await stock('p-006'), { available: 97, reserved: 3 }, 'both orders reserved');
    const againB = await asCustomer('customer-b', [{ productId: 'p-006', quantity: 2, unitPrice: eur(700) }]);
    assert.equal(againB.order?.id, b.order?.id, "customer-b's retry is customer-b's order");
    const otherA = await rpcFailure(
      asCustomer('customer-a', [{ productId: 'p-006', quantity: 2, unitPrice: eur(700) }]),
    );
    assert.equal(otherA.code, status.FAILED_PRECONDITION);
    assert.deepEqual(await stock('p-006'), { available: 97, reserved: 3 }, 'no third reservation');
  });

  it('treats the legacy gateway key "<customer>/<key>" as the bare key, for retries across an upgrade', async () => {
    const lines = [{ productId: 'p-007', quantity: 1, unitPrice: eur(1_100) }];
    const legacy = await ordersClient.placeOrder(
      { idempotencyKey: 'customer-a/key-upgrade', customerId: 'customer-a', lines },
      { timeoutMs: 20_000 },
    );
    const bare = await ordersClient.placeOrder(
      { idempotencyKey: 'key-upgrade', customerId: 'customer-a', lines },
      { timeoutMs: 20_000 },
    );
    assert.equal(bare.order?.id, legacy.order?.id);
    // Only the placing customer's own prefix is stripped: for customer-b it is an ordinary (new) key.
    const notPrefix = await ordersClient.placeOrder(
      { idempotencyKey: 'customer-a/key-upgrade', customerId: 'customer-b', lines },
      { timeoutMs: 20_000 },
    );
    assert.notEqual(notPrefix.order?.id, legacy.order?.id);
  });

  it('shows an order only to its owner: another customer gets NOT_FOUND, word for word as for a missing id', async () => {
    const { order } = await ordersClient.placeOrder(
      {
        idempotencyKey: 'key-owned',
        customerId: 'owner-1',
        lines: [{ productId: 'p-008', quantity: 1, unitPrice: eur(300) }],
      },
      { timeoutMs: 20_000 },
    );
    const orderId = order?.id ?? '';
    const own = await ordersClient.getOrder({ id: orderId, customerId: 'owner-1' });
    assert.deepEqual(own.order, order);
    assert.equal(own.order?.customerId, 'owner-1');
    const foreign = await rpcFailure(ordersClient.getOrder({ id: orderId, customerId: 'someone-else' }));
    assert.equal(foreign.code, status.NOT_FOUND);
    assert.equal(foreign.details, `no order with id ${orderId}`);
    const missing = await rpcFailure(ordersClient.getOrder({ id: 'o-missing', customerId: 'owner-1' }));
    assert.equal(missing.details, 'no order with id o-missing', 'the same words as for a foreign order');
    // An operator's read (no customerId) sees it; an empty customerId is a caller's bug, not "any customer".
    assert.equal((await ordersClient.getOrder({ id: orderId })).order?.id, orderId);
    const empty = await rpcFailure(ordersClient.getOrder({ id: orderId, customerId: '' }));
    assert.equal(empty.code, status.INVALID_ARGUMENT);
    assert.match(empty.details, /customerId: is required/);
  });

  it('out of stock: CANCELLED with the reason, nothing charged, no stock held', async () => {
    const { order } = await place([{ productId: 'p-002', quantity: 101, unitPrice: eur(1_250) }]);
    assert.equal(order?.status, 'ORDER_STATUS_CANCELLED');
    assert.equal(order?.cancellationReason, 'CANCELLATION_REASON_OUT_OF_STOCK');
    placed.outOfStock = order?.id ?? '';
    assert.match(order?.cancellationDetail ?? '', /out of stock: p-002/);
    assert.equal(await charged(order?.id ?? ''), 0);
    assert.deepEqual(await stock('p-002'), { available: 100, reserved: 0 });
  });

  it('payment declined: CANCELLED, nothing charged, the stock released', async () => {
    const { order } = await place([{ productId: 'p-003', quantity: 1, unitPrice: eur(1_000_000) }]);
    assert.equal(order?.status, 'ORDER_STATUS_CANCELLED');
    assert.equal(order?.cancellationReason, 'CANCELLATION_REASON_PAYMENT_DECLINED');
    placed.declined = order?.id ?? '';
    assert.deepEqual(await stock('p-003'), { available: 100, reserved: 0 });
    assert.equal(await charged(order?.id ?? ''), 0);
  });

  it('an outage shorter than the pause bound pauses the checkout instead of cancelling it', async () => {
    await adminRequest(payments.adminUrl, 'POST', '/admin/processor', { failureRate: 1 });
    const failedCharges = () =>
      metricValue(
        payments.adminUrl,
        'rebound_payments_processor_calls_total{operation="charge",outcome="failed"',
      );
    const before = (await failedCharges()) ?? 0;
    const placing = place([{ productId: 'p-009', quantity: 1, unitPrice: eur(900) }], 'key-paused');
    try {
      // The charge went unanswered twice: the saga is paused on it, re-sending the same payment id.
      await waitFor(async () => ((await failedCharges()) ?? 0) >= before + 2, {
        timeoutMs: 10_000,
        description: 'two unanswered charges',
      });
    } finally {
      await adminRequest(payments.adminUrl, 'DELETE', '/admin/processor');
    }
    const { order } = await placing;
    assert.equal(order?.status, 'ORDER_STATUS_CONFIRMED', order?.cancellationDetail);
    placed.paused = order?.id ?? '';
    assert.equal(await charged(order?.id ?? ''), 900, 'charged exactly once');
    assert.deepEqual(await stock('p-009'), { available: 99, reserved: 1 });
  });

  it('answers PENDING just before the caller deadline while the saga is paused, then the same key finds it final', async () => {
    await adminRequest(payments.adminUrl, 'POST', '/admin/processor', { failureRate: 1 });
    const lines = [{ productId: 'p-010', quantity: 2, unitPrice: eur(250) }];
    let pending: ordersV1.PlaceOrderResponse;
    try {
      pending = await ordersClient.placeOrder(
        { idempotencyKey: 'key-202', customerId: 'customer-1', lines },
        { timeoutMs: 1_500 },
      );
    } finally {
      await adminRequest(payments.adminUrl, 'DELETE', '/admin/processor');
    }
    assert.equal(
      pending.order?.status,
      'ORDER_STATUS_PENDING',
      'answered within the deadline, not cut by it',
    );
    assert.equal(pending.replayed, false);
    const again = await place(lines, 'key-202');
    assert.equal(again.replayed, true);
    assert.equal(again.order?.id, pending.order?.id);
    assert.equal(again.order?.status, 'ORDER_STATUS_CONFIRMED');
    assert.equal(await charged(again.order?.id ?? ''), 500);
  });

  it('payments failing for longer than the pause bound: CANCELLED, nothing charged, the stock released', async () => {
    assert.equal(
      (await adminRequest(payments.adminUrl, 'POST', '/admin/processor', { failureRate: 1 })).status,
      200,
    );
    try {
      const { order } = await place([{ productId: 'p-004', quantity: 3, unitPrice: eur(1_500) }]);
      assert.equal(order?.status, 'ORDER_STATUS_CANCELLED');
      assert.equal(order?.cancellationReason, 'CANCELLATION_REASON_DEPENDENCY_UNAVAILABLE');
      placed.paymentsDown = order?.id ?? '';
      assert.match(order?.cancellationDetail ?? '', /UNAVAILABLE/);
      assert.deepEqual(await stock('p-004'), { available: 100, reserved: 0 });
      assert.equal(await charged(order?.id ?? ''), 0);
    } finally {
      await adminRequest(payments.adminUrl, 'DELETE', '/admin/processor');
    }
  });

  it('answers INVALID_ARGUMENT naming the field for bad input, NOT_FOUND for an unknown order', async () => {
    const noKey = await rpcFailure(
      ordersClient.placeOrder({
        idempotencyKey: '',
        customerId: 'c',
        lines: [{ productId: 'p-001', quantity: 1, unitPrice: eur(1) }],
      }),
    );
    assert.equal(noKey.code, status.INVALID_ARGUMENT);
    assert.match(noKey.details, /idempotencyKey: is required/);
    const mixed = await rpcFailure(
      place([
        { productId: 'p-001', quantity: 1, unitPrice: eur(1) },
        { productId: 'p-002', quantity: 1, unitPrice: { amountMinor: 1, currency: 'USD' } },
      ]),
    );
    assert.match(mixed.details, /one currency/);
    assert.equal((await rpcFailure(ordersClient.getOrder({ id: 'nope' }))).code, status.NOT_FOUND);
  });

  it('injects faults only while switched on through the authenticated admin endpoint', async () => {
    assert.equal(
      (await adminRequest(orders.adminUrl, 'POST', '/admin/faults', { errorRate: 1 }, null)).status,
      401,
    );
    await adminRequest(orders.adminUrl, 'POST', '/admin/faults', { errorRate: 1 });
    assert.equal((await rpcFailure(ordersClient.getOrder({ id: 'nope' }))).code, status.UNAVAILABLE);
    await adminRequest(orders.adminUrl, 'DELETE', '/admin/faults');
    assert.equal((await rpcFailure(ordersClient.getOrder({ id: 'nope' }))).code, status.NOT_FOUND);
  });

  it('recorded each step outcome and event in the orders database (read after a clean SIGTERM)', async () => {
    assert.equal(await orders.stop(), 0);
    // The database startServiceProcess gave orders for its DATA_DIR.
    const db = await openPostgres({
      url: await serviceDatabaseUrl('orders', join(dir, 'orders')),
      schema: 'orders',
    });
    try {
      const steps = async (orderId: string | undefined) =>
        (
          await db.query<{ step: string; outcome: string }>(
            'SELECT step, outcome FROM saga_steps WHERE order_id = $1 ORDER BY seq',
            [orderId],
          )
        ).rows.map((row) => `${row.step}:${row.outcome}`);
      const events = async (orderId: string | undefined) =>
        (
          await db.query<{ type: string }>(
            'SELECT event_type AS type FROM outbox WHERE message_key = $1 ORDER BY id',
            [orderId],
          )
        ).rows.map((row) => row.type);
      assert.deepEqual(await steps(placed.confirmed), [
        'reserve_stock:SUCCEEDED',
        'charge_payment:SUCCEEDED',
        'confirm_order:SUCCEEDED',
      ]);
      assert.deepEqual(await events(placed.confirmed), ['OrderPlaced', 'OrderConfirmed']);
      assert.deepEqual(await steps(placed.outOfStock), [
        'reserve_stock:FAILED',
        'release_stock:SUCCEEDED',
        'cancel_order:SUCCEEDED',
      ]);
      assert.deepEqual(await steps(placed.declined), [
        'reserve_stock:SUCCEEDED',
        'charge_payment:FAILED',
        'refund_payment:SUCCEEDED',
        'release_stock:SUCCEEDED',
        'cancel_order:SUCCEEDED',
      ]);
      assert.deepEqual(await steps(placed.paymentsDown), [
        'reserve_stock:SUCCEEDED',
        'charge_payment:FAILED',
        'refund_payment:SUCCEEDED',
        'release_stock:SUCCEEDED',
        'cancel_order:SUCCEEDED',
      ]);
      assert.deepEqual(await steps(placed.paused), [
        'reserve_stock:SUCCEEDED',
        'charge_payment:SUCCEEDED',
        'confirm_order:SUCCEEDED',
      ]);
      assert.deepEqual(await events(placed.paymentsDown), ['OrderPlaced', 'OrderCancelled']);
    } finally {
      await db.close();
    }
  });
});
