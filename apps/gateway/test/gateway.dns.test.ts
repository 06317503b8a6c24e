// The built gateway given `dns:///localhost:<port>` targets, as on Kubernetes (`dns:///catalog:50051`, a headless
// Service): it resolves the names and reaches the callees; a malformed target stops it with one line, exit 78.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServiceProcess } from '@rebound/testing';
import { type FakeServer, startFakeCatalog, startFakeOrders } from './support/fake-services.ts';
import { call, type GatewayProcess, startGateway } from './support/gateway-process.ts';
import { stopInOrder } from './support/gateway-with-fakes.ts';

const KEY = { 'x-api-key': 'key-a' };
const portOf = (fake: FakeServer) => fake.address.slice(fake.address.lastIndexOf(':') + 1);

describe('gateway with dns:/// targets', () => {
  let catalog: FakeServer | undefined;
  let orders: FakeServer | undefined;
  let gateway: GatewayProcess | undefined;

  before(async () => {
    catalog = await startFakeCatalog();
    orders = await startFakeOrders();
    gateway = await startGateway({
      CATALOG_ADDRS: `dns:///localhost:${portOf(catalog)}`,
      ORDERS_ADDRS: `dns:///localhost:${portOf(orders)}`,
      API_KEYS: 'client-a:key-a',
    });
  });

  after(async () => {
    await stopInOrder([catalog, orders], [gateway]);
  });

  it('lists products from the catalog it resolved', async () => {
    const answer = await call(`${gateway!.url}/api/products`, { headers: KEY });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.headers.get('x-rebound-fallback'), null);
    assert.ok(answer.body.products.length > 0);
    assert.ok((catalog!.calls.get('listProducts') ?? 0) >= 1);
  });

  it('shows each dns target on the console status, serving', async () => {
    const status = await call(`${gateway!.url}/console/status`);
    const rows = status.body.replicas.map((r: { service: string; address: string; status: string }) => [
      r.service,
      r.address,
      r.status,
    ]);
    assert.deepEqual(rows, [
      ['catalog', `dns:///localhost:${portOf(catalog!)}`, 'SERVING'],
      ['orders', `dns:///localhost:${portOf(orders!)}`, 'SERVING'],
    ]);
  });
});

describe('gateway with a malformed dns target', () => {
  it('stops with one line naming CATALOG_ADDRS and exit code 78', async () => {
    const gateway = await startServiceProcess({
      script: fileURLToPath(new URL('../dist/main.js', import.meta.url)),
      env: { CATALOG_ADDRS: 'dns:///nohostport', HTTP_PORT: '0' },
      waitReady: false,
    });
    try {
      assert.equal(await gateway.exited, 78);
      const lines = gateway.output().trim().split('\n');
      assert.equal(lines.length, 1, gateway.output());
      assert.match(lines[0]!, /^gateway: invalid configuration: CATALOG_ADDRS: .*"dns:\/\/\/nohostport"/);
    } finally {
      await gateway.stop();
    }
  });
});
