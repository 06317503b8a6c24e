// Catalog fallback: the last good catalog data is served, marked with X-Rebound-Fallback, when catalog hangs
// (the deadline cuts the call) and when it is down (server stopped).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adminRequest, waitFor } from '@rebound/testing';
import { call, metricsOf, metricValue } from './support/gateway-process.ts';
import { gatewayWithFakes } from './support/gateway-with-fakes.ts';

const KEY = { 'x-api-key': 'key-a' };
const DEADLINE_MS = 500;

describe('catalog fallback', () => {
  const shop = gatewayWithFakes({
    API_KEYS: 'client-a:key-a',
    CATALOG_DEADLINE_MS: String(DEADLINE_MS),
  });

  const listProducts = 'rebound.catalog.v1.CatalogService/ListProducts';

  it('serves fresh data without the header while catalog is healthy', async () => {
    // On a loaded CI box the very first call (channel connect, cold code) may miss the short deadline, and
    // with nothing cached yet that is a 504: wait for the first fresh answer, which fills the cache.
    const fresh = async (path: string) => {
      const answer = await call(`${shop.gateway.url}${path}`, { headers: KEY });
      return answer.status === 200 && answer.headers.get('x-rebound-fallback') === null;
    };
    await waitFor(() => fresh('/api/products'), { description: 'a fresh product list' });
    await waitFor(() => fresh('/api/products/p-duck'), { description: 'a fresh product' });
  });

  it('with serve-cached-catalog on, serves the last good copy without calling catalog; off, fresh again', async () => {
    const catalogCalls = async () =>
      (await metricsOf(shop.gateway))
        .split('\n')
        .filter(
          (line) => line.startsWith('rebound_rpc_client_requests_total{') && line.includes('CatalogService/'),
        )
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    const flag = (on: boolean) =>
      adminRequest(shop.gateway.adminUrl, 'POST', '/admin/degradation', {
        flag: 'serve-cached-catalog',
        on,
        reason: 'gateway.fallback.test',
      });
    assert.equal((await flag(true)).status, 200);
    const before = await catalogCalls();
    const list = await call(`${shop.gateway.url}/api/products`, { headers: KEY });
    assert.equal(list.status, 200);
    assert.match(
      list.headers.get('x-rebound-fallback') ?? '',
      /^catalog-cache; age=\d+; flag=serve-cached-catalog$/,
    );
    assert.deepEqual(
      list.body.products.map((product: { id: string }) => product.id),
      ['p-duck', 'p-mug'],
    );
    const product = await call(`${shop.gateway.url}/api/products/p-duck`, { headers: KEY });
    assert.equal(product.status, 200);
    assert.match(product.headers.get('x-rebound-fallback') ?? '', /flag=serve-cached-catalog$/);
    const never = await call(`${shop.gateway.url}/api/products?pageSize=3`, { headers: KEY });
    assert.equal(never.status, 503);
    assert.equal(never.body.error, 'catalog_degraded');
    assert.equal(await catalogCalls(), before, 'no call reached catalog while the flag was on');
    const metrics = await metricsOf(shop.gateway);
    assert.equal(metricValue(metrics, 'rebound_degradation_flag', { flag: 'serve-cached-catalog' }), 1);
    const ready = await (await fetch(`${shop.gateway.adminUrl}/readyz?verbose`)).text();
    assert.match(ready, /serve-cached-catalog on since/);

    assert.equal((await flag(false)).status, 200);
    const fresh = await call(`${shop.gateway.url}/api/products`, { headers: KEY });
    assert.equal(fresh.status, 200);
    assert.equal(fresh.headers.get('x-rebound-fallback'), null);
    assert.ok((await catalogCalls()) > before, 'catalog is called again');
    assert.equal(
      metricValue(await metricsOf(shop.gateway), 'rebound_degradation_flag', {
        flag: 'serve-cached-catalog',
      }),
      0,
    );
  });

  it('cuts a hung catalog call at the deadline and serves the last good copy', async () => {
    shop.catalog.mode = 'hang';
    const started = performance.now();
    const list = await call(`${shop.gateway.url}/api/products`, { headers: KEY });
    const waited = performance.now() - started;
    assert.equal(list.status, 200);
    assert.match(list.headers.get('x-rebound-fallback') ?? '', /^catalog-cache; age=\d+$/);
    assert.deepEqual(
      list.body.products.map((product: { id: string }) => product.id),
      ['p-duck', 'p-mug'],
    );
    // The gateway waited for the deadline (a logical lower bound, not a speed claim).
    assert.ok(waited >= DEADLINE_MS * 0.9, `answered after ${Math.round(waited)} ms`);
    const metrics = await metricsOf(shop.gateway);
    const cut = { operation: listProducts, outcome: 'DEADLINE_EXCEEDED' };
    assert.ok(
      metricValue(metrics, 'rebound_rpc_client_requests_total', cut)! >= 1,
      'the deadline cut the call',
    );
    const product = await call(`${shop.gateway.url}/api/products/p-mug`, { headers: KEY });
    assert.equal(product.status, 200, 'products seen in a list are kept too');
    assert.match(product.headers.get('x-rebound-fallback') ?? '', /^catalog-cache; age=\d+$/);
  });

  it('serves the last good copy when catalog is down, and 503 for data it never had', async () => {
    await shop.catalog.stop();
    const list = await call(`${shop.gateway.url}/api/products`, { headers: KEY });
    assert.equal(list.status, 200);
    assert.match(list.headers.get('x-rebound-fallback') ?? '', /^catalog-cache; age=\d+$/);
    const never = await call(`${shop.gateway.url}/api/products?pageSize=7`, { headers: KEY });
    assert.equal(never.status, 503);
    assert.ok(Number(never.headers.get('retry-after')) >= 1);
    const served = metricValue(await metricsOf(shop.gateway), 'rebound_gateway_fallback_served_total', {
      source: 'catalog-cache',
    });
    assert.ok(served! >= 3, `fallbacks served: ${served}`);
    const status = await call(`${shop.gateway.url}/console/status`);
    const catalogReplica = status.body.replicas.find(
      (replica: { service: string }) => replica.service === 'catalog',
    );
    assert.equal(catalogReplica.status, 'UNREACHABLE');
  });
});
