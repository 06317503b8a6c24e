import assert from 'node:assert/strict';
import { inventoryV1 } from '@rebound/contracts';
import { createRpcClient } from '@rebound/rpc';
import { api, type Platform, placeOrder, sumMetric } from '../../src/index.ts';

export type Report = (line: string) => void;

/** A client of inventory for GetStock, straight at its gRPC port (the saga's effects, seen from the source). */
export function inventoryClient(platform: Platform) {
  return createRpcClient(inventoryV1.InventoryServiceService, {
    target: [platform.address('inventory-0')],
    defaults: { breaker: false, timeoutMs: 5000 },
  });
}

/** Charges the simulated processor approved, over both payments replicas. */
export async function approvedCharges(platform: Platform): Promise<number> {
  const labels = { operation: 'charge', outcome: 'approved' };
  const counts = await Promise.all(
    ['payments-0', 'payments-1'].map((name) =>
      sumMetric(platform.adminUrl(name), 'rebound_payments_processor_calls_total', labels),
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}

export async function happyPath(platform: Platform, report: Report): Promise<void> {
  const url = platform.gatewayUrl;
  const list = await api(url, '/api/products?pageSize=5');
  assert.equal(list.status, 200, JSON.stringify(list.json));
  const products = list.json.products as { id: string }[];
  assert.equal(products.length, 5);
  assert.equal(list.headers.get('x-rebound-fallback'), null, 'fresh data, not the fallback');
  const one = await api(url, '/api/products/p-001');
  assert.equal(one.status, 200);
  assert.equal((one.json.product as { id: string }).id, 'p-001');

  const inventory = inventoryClient(platform);
  try {
    const stockBefore = await inventory.getStock({ productId: 'p-001' });
    const placed = await placeOrder(url, [{ productId: 'p-001', quantity: 2 }], 'e2e-happy-1');
    assert.equal(placed.status, 201, JSON.stringify(placed.json));
    assert.equal(placed.order?.status, 'CONFIRMED');
    const replay = await placeOrder(url, [{ productId: 'p-001', quantity: 2 }], 'e2e-happy-1');
    assert.equal(replay.order?.id, placed.order?.id, 'same key and body: the same order');
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    const conflict = await placeOrder(url, [{ productId: 'p-001', quantity: 3 }], 'e2e-happy-1');
    assert.equal(conflict.status, 422, 'same key, another body');
    const fetched = await api(url, `/api/orders/${placed.order?.id}`);
    assert.equal(fetched.status, 200);
    assert.equal((fetched.json.order as { status: string }).status, 'CONFIRMED');
    const stockAfter = await inventory.getStock({ productId: 'p-001' });
    assert.equal(stockAfter.available, stockBefore.available - 2, 'two units taken, once');
    report(
      `happy path: order ${placed.order?.id} CONFIRMED in ${placed.ms.toFixed(0)} ms through the gateway`,
    );
  } finally {
    inventory.$rpc.close();
  }
}

export async function outOfStock(platform: Platform, report: Report): Promise<void> {
  const url = platform.gatewayUrl;
  const inventory = inventoryClient(platform);
  try {
    const all = await placeOrder(url, [{ productId: 'p-004', quantity: 100 }], 'e2e-oos-all');
    assert.equal(all.order?.status, 'CONFIRMED', JSON.stringify(all.json));
    const stockBefore = await inventory.getStock({ productId: 'p-004' });
    assert.equal(stockBefore.available, 0);
    const charged = await approvedCharges(platform);
    const placed = await placeOrder(url, [{ productId: 'p-004', quantity: 1 }], 'e2e-oos-1');
    assert.equal(placed.status, 201, JSON.stringify(placed.json));
    assert.equal(placed.order?.status, 'CANCELLED');
    assert.equal(placed.order?.cancellation?.reason, 'OUT_OF_STOCK');
    assert.match(placed.order?.cancellation?.detail ?? '', /p-004/);
    assert.equal(await approvedCharges(platform), charged, 'nothing charged');
    assert.deepEqual(await inventory.getStock({ productId: 'p-004' }), stockBefore, 'no stock held');
    report(`compensation, out of stock: CANCELLED (${placed.order?.cancellation?.detail}), 0 charged`);
  } finally {
    inventory.$rpc.close();
  }
}
