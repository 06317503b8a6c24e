// The gateway in front of two replicas of the real catalog service (apps/catalog, built before this suite
// because it is a devDependency): products through @rebound/rpc's balancing, the platform status over
// grpc.health.v1, and the fallback while both replicas hang (switched on through their fault-injection admin
// endpoint) and after they recover.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { adminRequest, type ServiceProcess, startServiceProcess, waitFor } from '@rebound/testing';
import { type FakeServer, startFakeOrders } from './support/fake-services.ts';
import { call, type GatewayProcess, startGateway } from './support/gateway-process.ts';
import { stopInOrder } from './support/gateway-with-fakes.ts';

const CATALOG_MAIN = createRequire(import.meta.url).resolve('@rebound/catalog');
const KEY = { 'x-api-key': 'key-a' };

async function setFaults(replica: ServiceProcess, method: 'POST' | 'DELETE', body?: unknown): Promise<void> {
  const answer = await adminRequest(replica.adminUrl, method, '/admin/faults', body);
  assert.ok(
    answer.status >= 200 && answer.status < 300,
    `${method} /admin/faults: ${answer.status} ${JSON.stringify(answer.json)}`,
  );
}

describe('gateway with the real catalog', () => {
  // Each start is kept as it settles, so the after hook stops what did start even when another start failed.
  const replicaStarts: Promise<ServiceProcess>[] = [];
  let replicas: ServiceProcess[] = [];
  let orders: FakeServer;
  let gateway: GatewayProcess;

  before(async () => {
    for (const n of [1, 2]) {
      replicaStarts.push(
        startServiceProcess({
          script: CATALOG_MAIN,
          env: {
            SERVICE_NAME: 'catalog',
            SERVICE_INSTANCE: `catalog-${n}`,
            SHUTDOWN_DRAIN_DELAY_MS: '0',
            // Other processes on a shared CI box delay the event loop; this suite is not about overload.
            OVERLOAD_EVENT_LOOP_DELAY_MS: '10000',
          },
        }),
      );
    }
    replicas = await Promise.all(replicaStarts);
    orders = await startFakeOrders();
    gateway = await startGateway({
      CATALOG_ADDRS: replicas.map((replica) => replica.address).join(','),
      ORDERS_ADDRS: orders.address,
      API_KEYS: 'client-a:key-a',
      CATALOG_DEADLINE_MS: '400',
    });
  });

  after(async () => {
    const started = await Promise.allSettled(replicaStarts);
    const catalogs = started.flatMap((start) => (start.status === 'fulfilled' ? [start.value] : []));
    await stopInOrder([orders, ...catalogs], [gateway]);
  });

  it('lists the seeded products and shows both replicas serving', async () => {
    // The first call (channel connect, cold code) may miss the short deadline on a loaded box, and with
    // nothing cached that is a 504: wait for the first fresh answer.
    const list = await waitFor(
      async () => {
        const answer = await call(`${gateway.url}/api/products`, { headers: KEY });
        return answer.status === 200 ? answer : undefined;
      },
      { description: 'a fresh product list' },
    );
    assert.equal(list.headers.get('x-rebound-fallback'), null);
    assert.ok(list.body.products.length >= 2);
    assert.ok(list.body.products.every((product: { price: unknown }) => product.price !== null));
    const status = await call(`${gateway.url}/console/status`);
    const catalog = status.body.replicas.filter(
      (replica: { service: string }) => replica.service === 'catalog',
    );
    assert.deepEqual(
      catalog.map((replica: { status: string }) => replica.status),
      ['SERVING', 'SERVING'],
    );
  });

  it('serves the last good copy while every replica hangs, and fresh data after they recover', async () => {
    await Promise.all(replicas.map((replica) => setFaults(replica, 'POST', { hang: true })));
    const hung = await call(`${gateway.url}/api/products`, { headers: KEY });
    assert.equal(hung.status, 200);
    assert.match(hung.headers.get('x-rebound-fallback') ?? '', /^catalog-cache; age=\d+$/);
    await Promise.all(replicas.map((replica) => setFaults(replica, 'DELETE')));
    // A breaker opened by the hang lets a probe through once its open period is over.
    await waitFor(
      async () => {
        const fresh = await call(`${gateway.url}/api/products`, { headers: KEY });
        return fresh.status === 200 && fresh.headers.get('x-rebound-fallback') === null;
      },
      { timeoutMs: 20_000, description: 'fresh catalog answers again' },
    );
  });
});
