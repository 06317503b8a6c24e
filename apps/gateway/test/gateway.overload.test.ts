// Load shedding: with the concurrency limit full, sheddable reads get 503 + Retry-After, checkout is still
// admitted, the admitted reads are served, and readiness goes false while shedding and back after.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import { call, metricsOf, metricValue } from './support/gateway-process.ts';
import { gatewayWithFakes } from './support/gateway-with-fakes.ts';

const KEY = { 'x-api-key': 'key-a' };

describe('overload', () => {
  const shop = gatewayWithFakes({
    API_KEYS: 'client-a:key-a',
    RATE_LIMIT_RPS: '1000',
    RATE_LIMIT_BURST: '1000',
    // A limit of 4: sheddable reads may fill half of it (2), checkout 90% (3).
    SHED_LIMIT_INITIAL: '4',
    SHED_LIMIT_MIN: '4',
    SHED_LIMIT_MAX: '4',
    SHED_HOLD_MS: '1000',
    CATALOG_DEADLINE_MS: '30000',
  });

  it('sheds reads with 503 + Retry-After, still serves checkout and the admitted reads, and recovers', async () => {
    assert.equal((await fetch(`${shop.gateway.adminUrl}/readyz`)).status, 200);
    shop.catalog.modes.set('listProducts', 'hang');
    const admitted = [
      call(`${shop.gateway.url}/api/products`, { headers: KEY }),
      call(`${shop.gateway.url}/api/products`, { headers: KEY }),
    ];
    await waitFor(() => shop.catalog.calls.get('listProducts') === 2, { description: 'two reads in flight' });

    const offered = await Promise.all(
      Array.from({ length: 20 }, () => call(`${shop.gateway.url}/api/products`, { headers: KEY })),
    );
    for (const answer of offered) {
      assert.equal(answer.status, 503);
      assert.equal(answer.body.error, 'overloaded');
      assert.ok(Number(answer.headers.get('retry-after')) >= 1);
    }
    assert.equal(shop.catalog.calls.get('listProducts'), 2, 'shed requests never reached catalog');

    const checkout = await call(`${shop.gateway.url}/api/orders`, {
      method: 'POST',
      headers: { ...KEY, 'content-type': 'application/json', 'idempotency-key': 'overload-1' },
      body: JSON.stringify({ lines: [{ productId: 'p-duck', quantity: 1 }] }),
    });
    assert.equal(checkout.status, 201, 'checkout outranks reads');

    const ready = await fetch(`${shop.gateway.adminUrl}/readyz?verbose`);
    assert.equal(ready.status, 503, 'not ready while shedding');
    assert.match(await ready.text(), /load-shedding/);

    shop.catalog.releaseHung();
    for (const answer of await Promise.all(admitted))
      assert.equal(answer.status, 200, 'admitted reads are served');
    await waitFor(async () => (await fetch(`${shop.gateway.adminUrl}/readyz`)).status === 200, {
      description: 'readiness back after the hold',
    });
    shop.catalog.modes.clear();
    assert.equal((await call(`${shop.gateway.url}/api/products`, { headers: KEY })).status, 200);

    const metrics = await metricsOf(shop.gateway);
    assert.equal(
      metricValue(metrics, 'rebound_gateway_shed_total', { priority: 'sheddable', reason: 'concurrency' }),
      20,
    );
    assert.equal(metricValue(metrics, 'rebound_gateway_concurrency_limit'), 4);
  });
});

describe('overload signal', () => {
  const TOKEN = 'test-admin-token';
  const shop = gatewayWithFakes({
    API_KEYS: 'client-a:key-a',
    ADMIN_TOKEN: TOKEN,
    RATE_LIMIT_RPS: '1000',
    RATE_LIMIT_BURST: '1000',
    OVERLOAD_EVENT_LOOP_DELAY_MS: '40',
  });
  const faults = (method: string, body?: unknown) =>
    call(`${shop.gateway.adminUrl}/admin/faults`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('answers reads 503 with a message while the event loop is blocked, keeps checkout, and recovers', async () => {
    assert.equal((await call(`${shop.gateway.url}/api/products`, { headers: KEY })).status, 200);
    // The gateway's own event loop blocked 90 ms of every 100 ms.
    assert.equal((await faults('POST', { cpuBurnPercent: 90 })).status, 200);
    await waitFor(async () => (await fetch(`${shop.gateway.adminUrl}/readyz`)).status === 503, {
      timeoutMs: 10_000,
      description: 'readiness to fail on the overload signal',
    });
    const shed = await call(`${shop.gateway.url}/api/products`, { headers: KEY });
    assert.equal(shed.status, 503);
    assert.equal(shed.body.error, 'overloaded');
    assert.match(shed.body.message, /event loop is saturated/);
    assert.ok(Number(shed.headers.get('retry-after')) >= 1);
    const checkout = await call(`${shop.gateway.url}/api/orders`, {
      method: 'POST',
      headers: { ...KEY, 'content-type': 'application/json', 'idempotency-key': 'overload-signal-1' },
      body: JSON.stringify({ lines: [{ productId: 'p-duck', quantity: 1 }] }),
    });
    assert.equal(checkout.status, 201, 'checkout is critical: admitted while the loop is late');

    assert.equal((await faults('DELETE')).status, 200);
    await waitFor(async () => (await fetch(`${shop.gateway.adminUrl}/readyz`)).status === 200, {
      timeoutMs: 10_000,
      description: 'readiness back once the loop is calm',
    });
    assert.equal((await call(`${shop.gateway.url}/api/products`, { headers: KEY })).status, 200);
    const metrics = await metricsOf(shop.gateway);
    assert.ok(
      (metricValue(metrics, 'rebound_gateway_shed_total', { priority: 'sheddable', reason: 'event-loop' }) ??
        0) >= 1,
    );
    assert.equal(metricValue(metrics, 'rebound_overload_signal', { reading: 'overloaded' }), 0);
  });
});
