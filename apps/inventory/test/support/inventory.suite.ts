import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { status } from '@grpc/grpc-js';
import { inventoryV1 } from '@rebound/contracts';
import { createRpcClient, retryAfterMs } from '@rebound/rpc';
import {
  adminRequest,
  metricValue,
  rpcFailure,
  type ServiceProcess,
  startServiceProcess,
} from '@rebound/testing';

const script = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/**
 * The inventory contract, against the built service. `database()` returns extra env (its
 * `INVENTORY_DATABASE_URL`; without one, `startServiceProcess` gives it a database of its own).
 */
export function inventorySuite(engine: string, database: () => Promise<Record<string, string>>): void {
  describe(`inventory on ${engine} (the built service over real gRPC)`, () => {
    let service: ServiceProcess;
    let dataDir: string;
    let client: ReturnType<typeof createRpcClient<typeof inventoryV1.InventoryServiceService>>;

    const stock = async (productId: string) => {
      const { available, reserved } = await client.getStock({ productId });
      return { available, reserved };
    };

    /** Reserve, waiting out load shedding (RESOURCE_EXHAUSTED) as a well-behaved client does. */
    const reserveThroughShedding = async (request: inventoryV1.ReserveRequest) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await client.reserve(request, { timeoutMs: 20_000 });
        } catch (error) {
          if ((error as { code?: number }).code !== status.RESOURCE_EXHAUSTED || attempt > 50) throw error;
          await sleep(retryAfterMs(error) ?? 50);
        }
      }
    };

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'rebound-inventory-'));
      service = await startServiceProcess({
        script,
        env: { SERVICE_NAME: 'inventory', DATA_DIR: dataDir, ...(await database()) },
        readyTimeoutMs: 120_000,
      });
      client = createRpcClient(inventoryV1.InventoryServiceService, {
        target: [service.address],
        defaults: { breaker: false, timeoutMs: 10_000 },
      });
    });

    after(async () => {
      client?.$rpc.close();
      if (service) assert.equal(await service.stop(), 0, 'SIGTERM drains and exits 0');
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('starts with the seeded stock', async () => {
      assert.deepEqual(await stock('p-001'), { available: 100, reserved: 0 });
    });

    it('reserves every line, once per reservation id', async () => {
      const request = {
        reservationId: 'r-happy',
        lines: [
          { productId: 'p-001', quantity: 2 },
          { productId: 'p-003', quantity: 1 },
        ],
      };
      assert.equal((await client.reserve(request)).status, 'RESERVATION_STATUS_RESERVED');
      assert.equal(
        (await client.reserve(request)).status,
        'RESERVATION_STATUS_RESERVED',
        'a repeat is the same answer',
      );
      assert.deepEqual(await stock('p-001'), { available: 98, reserved: 2 });
      assert.deepEqual(await stock('p-003'), { available: 99, reserved: 1 });
      const other = await rpcFailure(
        client.reserve({ ...request, lines: [{ productId: 'p-001', quantity: 5 }] }),
      );
      assert.equal(other.code, status.ALREADY_EXISTS);
    });

    it('reserves nothing when one line is short (FAILED_PRECONDITION) or unknown (NOT_FOUND)', async () => {
      const short = await rpcFailure(
        client.reserve({
          reservationId: 'r-short',
          lines: [
            { productId: 'p-004', quantity: 1 },
            { productId: 'p-005', quantity: 101 },
          ],
        }),
      );
      assert.equal(short.code, status.FAILED_PRECONDITION);
      assert.match(short.details, /out of stock: p-005/);
      assert.deepEqual(
        await stock('p-004'),
        { available: 100, reserved: 0 },
        'the first line was rolled back',
      );
      const unknown = await rpcFailure(
        client.reserve({ reservationId: 'r-unknown', lines: [{ productId: 'p-404', quantity: 1 }] }),
      );
      assert.equal(unknown.code, status.NOT_FOUND);
    });

    it('releases once; releasing again or an unknown id succeeds without changing stock', async () => {
      await client.reserve({ reservationId: 'r-release', lines: [{ productId: 'p-006', quantity: 7 }] });
      assert.deepEqual(await stock('p-006'), { available: 93, reserved: 7 });
      assert.equal(
        (await client.release({ reservationId: 'r-release' })).status,
        'RESERVATION_STATUS_RELEASED',
      );
      assert.equal(
        (await client.release({ reservationId: 'r-release' })).status,
        'RESERVATION_STATUS_RELEASED',
      );
      assert.deepEqual(await stock('p-006'), { available: 100, reserved: 0 });
      assert.equal(
        (await client.reserve({ reservationId: 'r-release', lines: [{ productId: 'p-006', quantity: 7 }] }))
          .status,
        'RESERVATION_STATUS_RELEASED',
      );
      assert.deepEqual(
        await stock('p-006'),
        { available: 100, reserved: 0 },
        'a released reservation never reserves again',
      );
    });

    it('a release that overtakes its reserve leaves a tombstone: the late reserve takes nothing', async () => {
      assert.equal((await client.release({ reservationId: 'r-late' })).status, 'RESERVATION_STATUS_RELEASED');
      const late = await rpcFailure(
        client.reserve({ reservationId: 'r-late', lines: [{ productId: 'p-007', quantity: 3 }] }),
      );
      assert.equal(late.code, status.FAILED_PRECONDITION);
      assert.match(late.details, /r-late was released .* a late reserve takes no stock/);
      assert.deepEqual(await stock('p-007'), { available: 100, reserved: 0 });
    });

    it('serves the stock of every product to the admin token only (GET /admin/stock and a gauge), as the table holds it', async () => {
      await client.reserve({ reservationId: 'r-audit', lines: [{ productId: 'p-011', quantity: 4 }] });
      assert.equal(
        (await adminRequest(service.adminUrl, 'GET', '/admin/stock', undefined, null)).status,
        401,
      );
      const { status: code, json } = await adminRequest(service.adminUrl, 'GET', '/admin/stock');
      assert.equal(code, 200);
      const products = json.products as Array<{ productId: string; available: number; reserved: number }>;
      assert.equal(products.length, 12);
      assert.deepEqual(
        products.find((row) => row.productId === 'p-011'),
        { productId: 'p-011', available: 96, reserved: 4 },
      );
      assert.equal(
        await metricValue(service.adminUrl, 'rebound_inventory_stock_units{product="p-011",state="reserved"'),
        4,
      );
    });

    it('restocks every product up to at least N through the admin token only, leaving reservations alone', async () => {
      await client.reserve({ reservationId: 'r-restock', lines: [{ productId: 'p-012', quantity: 30 }] });
      assert.equal(
        (await adminRequest(service.adminUrl, 'POST', '/admin/restock', { atLeast: 500 }, null)).status,
        401,
      );
      assert.equal(
        (await adminRequest(service.adminUrl, 'POST', '/admin/restock', { atLeast: 0 })).status,
        400,
      );
      const { status: code, json } = await adminRequest(service.adminUrl, 'POST', '/admin/restock', {
        atLeast: 90,
      });
      assert.equal(code, 200);
      const products = json.products as Array<{ productId: string; available: number; reserved: number }>;
      assert.deepEqual(
        products.find((row) => row.productId === 'p-012'),
        { productId: 'p-012', available: 90, reserved: 30 },
      );
      assert.ok(products.every((row) => row.available >= 90));
    });

    it('never lets stock go negative under many concurrent reservations', async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 150 }, (_, i) =>
          reserveThroughShedding({
            reservationId: `r-race-${i}`,
            lines: [{ productId: 'p-002', quantity: 1 }],
          }).then(
            () => 'reserved',
            (error: { code?: number }) =>
              error.code === status.FAILED_PRECONDITION ? 'short' : `error ${error.code}`,
          ),
        ),
      );
      const count = (what: string) => outcomes.filter((outcome) => outcome === what).length;
      assert.equal(
        count('reserved'),
        100,
        `outcomes: ${JSON.stringify(outcomes.filter((o) => o !== 'reserved' && o !== 'short'))}`,
      );
      assert.equal(count('short'), 50);
      assert.deepEqual(await stock('p-002'), { available: 0, reserved: 100 });
    });

    it('takes stock once for concurrent repeats of one reservation id', async () => {
      const request = { reservationId: 'r-dup', lines: [{ productId: 'p-008', quantity: 4 }] };
      const answers = await Promise.all(Array.from({ length: 20 }, () => reserveThroughShedding(request)));
      assert.ok(answers.every((answer) => answer.status === 'RESERVATION_STATUS_RESERVED'));
      assert.deepEqual(await stock('p-008'), { available: 96, reserved: 4 });
    });

    it('answers INVALID_ARGUMENT naming the field for bad input', async () => {
      const noId = await rpcFailure(
        client.reserve({ reservationId: '', lines: [{ productId: 'p-001', quantity: 1 }] }),
      );
      assert.equal(noId.code, status.INVALID_ARGUMENT);
      assert.match(noId.details, /reservationId: is required/);
      const zero = await rpcFailure(
        client.reserve({ reservationId: 'r-bad', lines: [{ productId: 'p-001', quantity: 0 }] }),
      );
      assert.equal(zero.code, status.INVALID_ARGUMENT);
      assert.match(zero.details, /lines\.0\.quantity: must be at least 1/);
      const none = await rpcFailure(client.reserve({ reservationId: 'r-bad', lines: [] }));
      assert.match(none.details, /at least one line/);
    });

    it('injects faults only while switched on through the authenticated admin endpoint', async () => {
      assert.equal(
        (await adminRequest(service.adminUrl, 'GET', '/admin/faults', undefined, null)).status,
        401,
      );
      await adminRequest(service.adminUrl, 'POST', '/admin/faults', { errorRate: 1 });
      assert.equal(await metricValue(service.adminUrl, 'rebound_fault_active{fault="error"'), 1);
      assert.equal((await rpcFailure(client.getStock({ productId: 'p-001' }))).code, status.UNAVAILABLE);
      await adminRequest(service.adminUrl, 'DELETE', '/admin/faults');
      assert.equal((await client.getStock({ productId: 'p-001' })).productId, 'p-001');
    });
  });
}
