// Fault injection at the gateway, switched at run time through the authenticated admin endpoint (the same
// contract as every service): errors, latency and hang on /api, then a crash.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import { call, metricsOf, metricValue } from './support/gateway-process.ts';
import { gatewayWithFakes } from './support/gateway-with-fakes.ts';

const KEY = { 'x-api-key': 'key-a' };
const TOKEN = 'test-admin-token';

describe('fault injection', () => {
  const shop = gatewayWithFakes({
    API_KEYS: 'client-a:key-a',
    ADMIN_TOKEN: TOKEN,
    RATE_LIMIT_RPS: '1000',
    RATE_LIMIT_BURST: '1000',
  });

  const faults = (method: string, body?: unknown, token = TOKEN) =>
    call(`${shop.gateway.adminUrl}/admin/faults`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('is off by default and needs the admin token', async () => {
    assert.equal((await faults('GET')).body.errorRate, 0);
    assert.equal((await faults('POST', { errorRate: 1 }, 'wrong-token')).status, 401);
    assert.equal((await call(`${shop.gateway.url}/api/products`, { headers: KEY })).status, 200);
  });

  it('injects errors, then latency, then a hang, and switches them off again', async () => {
    assert.equal((await faults('POST', { errorRate: 1, errorCode: 'INTERNAL' })).status, 200);
    const failed = await call(`${shop.gateway.url}/api/products`, { headers: KEY });
    assert.equal(failed.status, 500);
    assert.equal(failed.body.error, 'injected_fault');
    assert.equal(metricValue(await metricsOf(shop.gateway), 'rebound_fault_active', { fault: 'error' }), 1);

    await faults('POST', { errorRate: 0, latencyMs: 300 });
    const started = performance.now();
    assert.equal((await call(`${shop.gateway.url}/api/products`, { headers: KEY })).status, 200);
    assert.ok(performance.now() - started >= 270, 'the latency was added');

    await faults('POST', { latencyMs: 0, hang: true });
    const hung = fetch(`${shop.gateway.url}/api/products`, {
      headers: KEY,
      signal: AbortSignal.timeout(300),
    });
    await assert.rejects(hung, { name: 'TimeoutError' });
    const inflight = async () =>
      metricValue(await metricsOf(shop.gateway), 'rebound_gateway_inflight_requests');
    await waitFor(async () => (await inflight()) === 0, { description: 'the abandoned request let go' });
    const waiting = call(`${shop.gateway.url}/api/products`, { headers: KEY });
    await waitFor(async () => (await inflight()) === 1, { description: 'a request hanging' });
    assert.equal((await faults('DELETE')).status, 200);
    assert.equal((await waiting).status, 200, 'a hung request goes on once the fault is off');
    assert.equal(metricValue(await metricsOf(shop.gateway), 'rebound_fault_active', { fault: 'hang' }), 0);
  });

  it('validates fault settings and crashes on request', async () => {
    const bad = await faults('POST', { errorRate: 2 });
    assert.equal(bad.status, 400);
    assert.equal((await faults('POST', { crash: true })).status, 200);
    assert.equal(await shop.gateway.exited, 70);
  });
});
