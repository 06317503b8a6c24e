import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { status } from '@grpc/grpc-js';
import { catalogV1 } from '@rebound/contracts';
import { createRpcClient } from '@rebound/rpc';
import {
  adminRequest,
  metricValue,
  rpcFailure,
  type ServiceProcess,
  startServiceProcess,
} from '@rebound/testing';

const script = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('catalog (the built service over real gRPC)', () => {
  let service: ServiceProcess;
  let client: ReturnType<typeof createRpcClient<typeof catalogV1.CatalogServiceService>>;

  before(async () => {
    service = await startServiceProcess({
      script,
      env: { SERVICE_NAME: 'catalog', SERVICE_INSTANCE: 'catalog-0' },
    });
    client = createRpcClient(catalogV1.CatalogServiceService, {
      target: [service.address],
      defaults: { breaker: false },
    });
  });

  after(async () => {
    client?.$rpc.close();
    if (service) assert.equal(await service.stop(), 0, 'SIGTERM drains and exits 0');
  });

  it('lists every seeded product page by page, ordered by id', async () => {
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await client.listProducts({ pageSize: 5, pageToken });
      assert.ok(page.products.length <= 5);
      seen.push(...page.products.map((product) => product.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    assert.equal(seen.length, 12);
    assert.deepEqual(seen, [...seen].sort());
    const all = await client.listProducts({ pageSize: 0, pageToken: '' });
    assert.equal(all.products.length, 12, 'page size 0 means the default page');
  });

  it('returns one product with an integer price, the same on every call', async () => {
    const first = await client.getProduct({ id: 'p-003' });
    const again = await client.getProduct({ id: 'p-003' });
    assert.deepEqual(first, again);
    assert.equal(first.product?.name, 'Retry budget notebook');
    assert.deepEqual(first.product?.price, { amountMinor: 900, currency: 'EUR' });
  });

  it('answers NOT_FOUND for an unknown id', async () => {
    const error = await rpcFailure(client.getProduct({ id: 'p-999' }));
    assert.equal(error.code, status.NOT_FOUND);
    assert.match(error.details, /p-999/);
  });

  it('answers INVALID_ARGUMENT naming the field for bad input', async () => {
    const noId = await rpcFailure(client.getProduct({ id: '' }));
    assert.equal(noId.code, status.INVALID_ARGUMENT);
    assert.match(noId.details, /id: is required/);
    const negative = await rpcFailure(client.listProducts({ pageSize: -1, pageToken: '' }));
    assert.equal(negative.code, status.INVALID_ARGUMENT);
    assert.match(negative.details, /pageSize/);
    const token = await rpcFailure(client.listProducts({ pageSize: 2, pageToken: 'garbage' }));
    assert.equal(token.code, status.INVALID_ARGUMENT);
    assert.match(token.details, /page_token/);
  });

  it('injects errors only while switched on through the authenticated admin endpoint', async () => {
    const denied = await adminRequest(service.adminUrl, 'POST', '/admin/faults', { errorRate: 1 }, null);
    assert.equal(denied.status, 401);
    assert.equal((await client.getProduct({ id: 'p-001' })).product?.id, 'p-001');

    const on = await adminRequest(service.adminUrl, 'POST', '/admin/faults', {
      errorRate: 1,
      errorCode: 'INTERNAL',
    });
    assert.equal(on.status, 200);
    assert.equal(await metricValue(service.adminUrl, 'rebound_fault_active{fault="error"'), 1);
    const injected = await rpcFailure(client.getProduct({ id: 'p-001' }));
    assert.equal(injected.code, status.INTERNAL);

    assert.equal((await adminRequest(service.adminUrl, 'DELETE', '/admin/faults')).status, 200);
    assert.equal(await metricValue(service.adminUrl, 'rebound_fault_active{fault="error"'), 0);
    assert.equal((await client.getProduct({ id: 'p-001' })).product?.id, 'p-001');
  });
});

describe('catalog with two replicas', () => {
  it('keeps answering while one replica crashes on demand (exit 70): calls fail over to the other', async () => {
    const replicas = await Promise.all(
      [0, 1].map((i) =>
        startServiceProcess({ script, env: { SERVICE_NAME: 'catalog', SERVICE_INSTANCE: `catalog-${i}` } }),
      ),
    );
    const [survivor, victim] = replicas as [ServiceProcess, ServiceProcess];
    // getProduct is idempotent: a call that lands on the dead replica is retried on the other one.
    const client = createRpcClient(catalogV1.CatalogServiceService, {
      target: replicas.map((replica) => replica.address),
      methods: { getProduct: { idempotent: true, timeoutMs: 5_000 } },
      defaults: { breaker: false },
    });
    try {
      for (let i = 0; i < 10; i++)
        assert.equal((await client.getProduct({ id: 'p-001' })).product?.id, 'p-001');
      const served = async (replica: ServiceProcess) =>
        (await metricValue(
          replica.adminUrl,
          'rebound_rpc_server_requests_total{operation="rebound.catalog.v1.CatalogService/GetProduct",outcome="OK"',
        )) ?? 0;
      assert.ok((await served(survivor)) > 0 && (await served(victim)) > 0, 'round robin over both replicas');

      assert.equal(
        (await adminRequest(victim.adminUrl, 'POST', '/admin/faults', { crash: true })).status,
        200,
      );
      assert.equal(await victim.exited, 70);
      // Steady sequential traffic, as a caller sees it right after the crash.
      const answers: Array<string | undefined> = [];
      for (let i = 0; i < 20; i++) answers.push((await client.getProduct({ id: 'p-002' })).product?.id);
      assert.deepEqual(new Set(answers), new Set(['p-002']));
    } finally {
      client.$rpc.close();
      await Promise.all(replicas.map((replica) => replica.stop()));
    }
  });
});
