// Orders belong to the client that placed them, end to end: two gateway replicas (no shared idempotency cache)
// in front of the real catalog, orders, inventory and payments processes (devDependencies, so turbo builds them
// first). Client B cannot read client A's order (404, the same answer as a missing id), and the same
// Idempotency-Key from A and B places two orders, also when the second arrives through the other replica, so
// the scoping in orders is what is proven, not only the gateway's cache.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ServiceProcess, startServiceProcess } from '@rebound/testing';
import { type Answer, call, type GatewayProcess, startGateway } from './support/gateway-process.ts';
import { stopInOrder } from './support/gateway-with-fakes.ts';

const main = (name: string) => createRequire(import.meta.url).resolve(`@rebound/${name}`);
const A = { 'x-api-key': 'key-a' };
const B = { 'x-api-key': 'key-b' };

describe('gateway with the real orders service: orders belong to their client', () => {
  let dir: string;
  const starts: Promise<ServiceProcess>[] = [];
  let gateways: GatewayProcess[] = [];
  let keys = 0;
  const nextKey = () => `ownership-${++keys}`;

  /** POST /api/orders through `gateway` (the first replica unless told). */
  const place = (
    apiKey: Record<string, string>,
    key: string,
    lines: Array<{ productId: string; quantity: number }>,
    gateway = gateways[0] as GatewayProcess,
  ): Promise<Answer> =>
    call(`${gateway.url}/api/orders`, {
      method: 'POST',
      headers: { ...apiKey, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ lines }),
    });
  const read = (apiKey: Record<string, string>, id: string, gateway = gateways[0] as GatewayProcess) =>
    call(`${gateway.url}/api/orders/${id}`, { headers: apiKey });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebound-gateway-ownership-'));
    const service = (name: string, env: Record<string, string> = {}) =>
      startServiceProcess({
        script: main(name),
        env: {
          SERVICE_NAME: name,
          DATA_DIR: join(dir, name),
          SHUTDOWN_DRAIN_DELAY_MS: '0',
          // Other processes on a shared CI box delay the event loop; this suite is not about overload.
          OVERLOAD_EVENT_LOOP_DELAY_MS: '10000',
          ...env,
        },
        readyTimeoutMs: 120_000,
      });
    const dependencies = [service('catalog'), service('inventory'), service('payments')];
    starts.push(...dependencies);
    const [catalog, inventory, payments] = await Promise.all(dependencies);
    const orders = service('orders', {
      INVENTORY_ADDRS: (inventory as ServiceProcess).address,
      PAYMENTS_ADDRS: (payments as ServiceProcess).address,
      SAGA_PAUSE_BOUND_MS: '4000', // generous: a loaded CI box must not turn a slow success into a cancel
    });
    starts.push(orders);
    const env = {
      CATALOG_ADDRS: (catalog as ServiceProcess).address,
      ORDERS_ADDRS: (await orders).address,
      API_KEYS: 'client-a:key-a,client-b:key-b',
      ORDERS_PLACE_DEADLINE_MS: '15000',
    };
    gateways = await Promise.all([startGateway(env), startGateway(env)]);
  });

  after(async () => {
    const started = (await Promise.allSettled(starts)).flatMap((start) =>
      start.status === 'fulfilled' ? [start.value] : [],
    );
    try {
      await stopInOrder(gateways, started);
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  });

  it("answers client B's read of client A's order with 404, the same answer as for a missing id", async () => {
    const placed = await place(A, nextKey(), [{ productId: 'p-001', quantity: 1 }]);
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    assert.equal(placed.body.order.status, 'CONFIRMED');
    const id: string = placed.body.order.id;
    assert.equal(placed.body.order.customerId, undefined, 'the view does not show client ids');

    const own = await read(A, id);
    assert.equal(own.status, 200);
    assert.deepEqual(own.body.order, placed.body.order);

    const foreign = await read(B, id);
    const missing = await read(B, 'o-does-not-exist');
    assert.equal(foreign.status, 404);
    assert.equal(missing.status, 404);
    assert.equal(foreign.body.order, undefined);
    assert.equal(foreign.body.error, missing.body.error);
    assert.equal(foreign.body.message, `no order with id ${id}`);
    assert.equal(missing.body.message, 'no order with id o-does-not-exist', 'the same words for both');
    assert.deepEqual(Object.keys(foreign.body).sort(), Object.keys(missing.body).sort());
    // Through the other replica too: the filter lives in orders, not in one gateway's memory.
    assert.equal((await read(B, id, gateways[1])).status, 404);
    assert.equal((await read(A, id, gateways[1])).status, 200);
  });

  it('places two orders for the same Idempotency-Key from A and B, through one replica or two', async () => {
    const key = nextKey();
    const a = await place(A, key, [{ productId: 'p-002', quantity: 1 }]);
    // Another body under the same key: B's own order, not a 422 and not A's order.
    const b = await place(B, key, [{ productId: 'p-003', quantity: 2 }]);
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.equal(b.status, 201, JSON.stringify(b.body));
    assert.notEqual(b.body.order.id, a.body.order.id);
    assert.deepEqual(
      b.body.order.lines.map((line: { productId: string; quantity: number }) => [
        line.productId,
        line.quantity,
      ]),
      [['p-003', 2]],
    );
    assert.equal(b.headers.get('idempotent-replayed'), null);

    // The same key again, each client through the replica that did not see it: orders answers from its own
    // records (no gateway cache in the way), and each client gets its own order.
    const againA = await place(A, key, [{ productId: 'p-002', quantity: 1 }], gateways[1]);
    const againB = await place(B, key, [{ productId: 'p-003', quantity: 2 }], gateways[1]);
    assert.equal(againA.body.order.id, a.body.order.id);
    assert.equal(againB.body.order.id, b.body.order.id);
    // A replica that never saw the key (as after a gateway restart) still says it is a replay: orders knows.
    assert.equal(againA.headers.get('idempotent-replayed'), 'true');
    assert.equal(againB.headers.get('idempotent-replayed'), 'true');

    // A key first used by A on one replica and by B on the other: still two orders.
    const crossed = nextKey();
    const viaFirst = await place(A, crossed, [{ productId: 'p-004', quantity: 1 }], gateways[0]);
    const viaSecond = await place(B, crossed, [{ productId: 'p-004', quantity: 1 }], gateways[1]);
    assert.equal(viaSecond.status, 201, JSON.stringify(viaSecond.body));
    assert.notEqual(viaSecond.body.order.id, viaFirst.body.order.id);
    assert.equal((await read(B, viaSecond.body.order.id)).status, 200);
    assert.equal((await read(B, viaFirst.body.order.id)).status, 404);
  });

  it('accepts the longest Idempotency-Key the edge allows (128 characters) all the way to orders', async () => {
    // While the gateway sent orders "<client>/<key>", such a key grew past the 128 orders accepts (a 400).
    const longest = 'k'.repeat(128);
    const placed = await place(A, longest, [{ productId: 'p-005', quantity: 1 }]);
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const again = await place(A, longest, [{ productId: 'p-005', quantity: 1 }], gateways[1]);
    assert.equal(again.body.order.id, placed.body.order.id);
  });
});
