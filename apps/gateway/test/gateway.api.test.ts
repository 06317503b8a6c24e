// Happy path, idempotency and bad input at the edge: the built gateway as a process, catalog and orders as
// in-test gRPC servers on 127.0.0.1.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { call, metricsOf, metricValue, startGateway } from './support/gateway-process.ts';
import { gatewayWithFakes } from './support/gateway-with-fakes.ts';

const KEY_A = { 'x-api-key': 'key-a' };
const KEY_B = { 'x-api-key': 'key-b' };
const JSON_HEADERS = { ...KEY_A, 'content-type': 'application/json' };
const JSON_HEADERS_B = { ...KEY_B, 'content-type': 'application/json' };

describe('gateway API', () => {
  const shop = gatewayWithFakes({
    API_KEYS: 'client-a:key-a,client-b:key-b',
    ORDERS_PLACE_DEADLINE_MS: '2000',
  });
  let keys = 0;
  const nextKey = () => `test-key-${++keys}`;
  const order = (lines: unknown, key = nextKey(), headers: Record<string, string> = JSON_HEADERS) =>
    call(`${shop.gateway.url}/api/orders`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': key },
      body: JSON.stringify(lines),
    });

  describe('happy path', () => {
    it('lists products and reads one, propagating the request id to catalog', async () => {
      const list = await call(`${shop.gateway.url}/api/products`, {
        headers: { ...KEY_A, 'x-request-id': 'req-list-1' },
      });
      assert.equal(list.status, 200);
      assert.equal(list.headers.get('x-request-id'), 'req-list-1');
      assert.equal(shop.catalog.lastRequestId(), 'req-list-1');
      assert.equal(list.headers.get('x-rebound-fallback'), null);
      assert.deepEqual(
        list.body.products.map((product: { id: string }) => product.id),
        ['p-duck', 'p-mug'],
      );
      const one = await call(`${shop.gateway.url}/api/products/p-mug`, { headers: KEY_A });
      assert.equal(one.status, 200);
      assert.deepEqual(one.body.product.price, { amountMinor: 1200, currency: 'EUR' });
      assert.ok(one.headers.get('x-request-id'), 'a request id is made up when none is sent');
      const missing = await call(`${shop.gateway.url}/api/products/p-nope`, { headers: KEY_A });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error, 'not_found');
    });

    it('places an order priced from the catalog and looks it up', async () => {
      const placed = await order({
        lines: [
          { productId: 'p-duck', quantity: 2 },
          { productId: 'p-mug', quantity: 1 },
        ],
      });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      assert.equal(placed.body.order.status, 'CONFIRMED');
      assert.deepEqual(placed.body.order.total, { amountMinor: 2 * 500 + 1200, currency: 'EUR' });
      assert.deepEqual(placed.body.order.lines[0].unitPrice, { amountMinor: 500, currency: 'EUR' });
      const found = await call(`${shop.gateway.url}/api/orders/${placed.body.order.id}`, { headers: KEY_A });
      assert.equal(found.status, 200);
      assert.deepEqual(found.body.order, placed.body.order);
      const missing = await call(`${shop.gateway.url}/api/orders/o-999`, { headers: KEY_A });
      assert.equal(missing.status, 404);
    });
  });

  describe('orders not final within the deadline', () => {
    it('answers 202 Accepted with the PENDING order, Location and Retry-After; the same key later gets 201 and the final order', async () => {
      const key = nextKey();
      const body = { lines: [{ productId: 'p-duck', quantity: 1 }] };
      shop.orders.pendingNew = true;
      let accepted: Awaited<ReturnType<typeof order>>;
      try {
        accepted = await order(body, key);
      } finally {
        shop.orders.pendingNew = false;
      }
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      assert.equal(accepted.body.order.status, 'PENDING');
      const id = accepted.body.order.id;
      assert.equal(accepted.headers.get('location'), `/api/orders/${id}`);
      assert.equal(accepted.headers.get('retry-after'), '1');
      assert.equal(accepted.headers.get('idempotent-replayed'), null);
      const polled = await call(`${shop.gateway.url}${accepted.headers.get('location')}`, { headers: KEY_A });
      assert.equal(polled.status, 200);
      assert.equal(polled.body.order.status, 'PENDING');

      // The saga finishes; the same request with the same key is not answered from a cached 202.
      const stored = shop.orders.orders.get(id);
      assert.ok(stored);
      shop.orders.orders.set(id, { ...stored, status: 'ORDER_STATUS_CONFIRMED' });
      const again = await order(body, key);
      assert.equal(again.status, 201, JSON.stringify(again.body));
      assert.equal(again.body.order.id, id);
      assert.equal(again.body.order.status, 'CONFIRMED');
      assert.equal(again.headers.get('idempotent-replayed'), 'true', 'orders said it is the same order');
      assert.equal(again.headers.get('location'), `/api/orders/${id}`);
    });

    it('answers 503 with Retry-After, never 504, when orders does not answer in time: the order may exist', async () => {
      shop.orders.modes.set('placeOrder', 'hang');
      try {
        const unknown = await order({ lines: [{ productId: 'p-mug', quantity: 1 }] });
        assert.equal(unknown.status, 503, JSON.stringify(unknown.body));
        assert.equal(unknown.body.error, 'order_state_unknown');
        assert.match(unknown.body.message, /same Idempotency-Key/);
        assert.ok(Number(unknown.headers.get('retry-after')) >= 1);
      } finally {
        shop.orders.modes.delete('placeOrder');
        shop.orders.releaseHung();
      }
    });
  });

  describe('idempotency', () => {
    it('replays the same key and body, and refuses the same key with another body (422)', async () => {
      const key = nextKey();
      const body = { lines: [{ productId: 'p-duck', quantity: 1 }] };
      const before = shop.orders.calls.get('placeOrder') ?? 0;
      const first = await order(body, key);
      const again = await order(body, key);
      assert.equal(first.status, 201);
      assert.equal(again.status, 201);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(again.body.order.id, first.body.order.id);
      assert.equal(shop.orders.calls.get('placeOrder'), before + 1, 'the replay never reached orders');
      const other = await order({ lines: [{ productId: 'p-duck', quantity: 3 }] }, key);
      assert.equal(other.status, 422);
      assert.equal(other.body.error, 'idempotency_key_reused');
    });

    it('turns concurrent duplicates into one order', async () => {
      const key = nextKey();
      const body = { lines: [{ productId: 'p-mug', quantity: 2 }] };
      const ordersBefore = shop.orders.orders.size;
      const answers = await Promise.all(Array.from({ length: 10 }, () => order(body, key)));
      assert.deepEqual(new Set(answers.map((answer) => answer.status)), new Set([201]));
      assert.equal(new Set(answers.map((answer) => answer.body.order.id)).size, 1);
      assert.equal(shop.orders.orders.size, ordersBefore + 1);
    });

    it('scopes keys per client', async () => {
      const key = nextKey();
      const body = { lines: [{ productId: 'p-duck', quantity: 1 }] };
      const a = await order(body, key);
      const b = await order(body, key, JSON_HEADERS_B);
      assert.equal(a.status, 201);
      assert.equal(b.status, 201);
      assert.notEqual(a.body.order.id, b.body.order.id);
      assert.equal(b.headers.get('idempotent-replayed'), null, "not a replay of client-a's answer");
      // Another body under a key client-a used is client-b's own new order, not a 422.
      const shared = nextKey();
      const firstA = await order({ lines: [{ productId: 'p-mug', quantity: 1 }] }, shared);
      const otherB = await order({ lines: [{ productId: 'p-duck', quantity: 5 }] }, shared, JSON_HEADERS_B);
      assert.equal(firstA.status, 201);
      assert.equal(otherB.status, 201, JSON.stringify(otherB.body));
      assert.deepEqual(otherB.body.order.lines, [
        { productId: 'p-duck', quantity: 5, unitPrice: { amountMinor: 500, currency: 'EUR' } },
      ]);
      // Orders is told who sent each one.
      assert.equal(shop.orders.orders.get(b.body.order.id)?.customerId, 'client-b');
      assert.equal(shop.orders.orders.get(a.body.order.id)?.customerId, 'client-a');
    });

    it('answers a key first used on another gateway replica as that replica would: replayed, or 422', async () => {
      // Another gateway replica (no shared store) sent this key first; orders keeps every key.
      const key = nextKey();
      const body = { lines: [{ productId: 'p-duck', quantity: 1 }] };
      const first = await order(body, key);
      assert.equal(first.status, 201);
      const restarted = await startGateway({
        CATALOG_ADDRS: shop.catalog.address,
        ORDERS_ADDRS: shop.orders.address,
        API_KEYS: 'client-a:key-a',
      });
      const post = (payload: unknown) =>
        call(`${restarted.url}/api/orders`, {
          method: 'POST',
          headers: { ...JSON_HEADERS, 'idempotency-key': key },
          body: JSON.stringify(payload),
        });
      try {
        const again = await post(body);
        assert.equal(again.status, 201);
        assert.equal(again.headers.get('idempotent-replayed'), 'true', 'orders said replayed');
        assert.equal(again.body.order.id, first.body.order.id);
        const other = await post({ lines: [{ productId: 'p-mug', quantity: 1 }] });
        assert.equal(other.status, 422);
        assert.equal(other.body.error, 'idempotency_key_reused', 'the same error as one gateway gives');
        assert.match(other.body.message, /already used with another body/);
      } finally {
        await restarted.stop();
      }
    });
  });

  describe('ownership', () => {
    it("answers another client's order with the same 404 as a missing one", async () => {
      const placed = await order({ lines: [{ productId: 'p-duck', quantity: 1 }] });
      assert.equal(placed.status, 201);
      const id = placed.body.order.id;
      const own = await call(`${shop.gateway.url}/api/orders/${id}`, { headers: KEY_A });
      assert.equal(own.status, 200);
      const foreign = await call(`${shop.gateway.url}/api/orders/${id}`, { headers: KEY_B });
      assert.equal(foreign.status, 404);
      const missing = await call(`${shop.gateway.url}/api/orders/o-999`, { headers: KEY_B });
      assert.equal(missing.status, 404);
      const { requestId: _a, ...foreignBody } = foreign.body;
      const { requestId: _b, ...missingBody } = missing.body;
      assert.deepEqual(foreignBody, { ...missingBody, message: missingBody.message.replace('o-999', id) });
    });

    it('still answers 404 when orders does not filter by owner (an older release during a rollout)', async () => {
      const placed = await order({ lines: [{ productId: 'p-mug', quantity: 1 }] });
      const id = placed.body.order.id;
      shop.orders.legacyGetOrder = true;
      try {
        const foreign = await call(`${shop.gateway.url}/api/orders/${id}`, { headers: KEY_B });
        assert.equal(foreign.status, 404);
        assert.equal(foreign.body.message, `no order with id ${id}`);
        assert.equal(foreign.body.order, undefined);
        // It fails closed: an order whose owner is not known is nobody's, the owner's included, until orders is upgraded.
        const own = await call(`${shop.gateway.url}/api/orders/${id}`, { headers: KEY_A });
        assert.equal(own.status, 404);
      } finally {
        shop.orders.legacyGetOrder = false;
      }
    });
  });

  describe('bad input at every edge', () => {
    it('refuses a missing or unknown API key with 401 and a message', async () => {
      const missing = await call(`${shop.gateway.url}/api/products`);
      assert.equal(missing.status, 401);
      assert.match(missing.body.message, /missing API key/);
      const wrong = await call(`${shop.gateway.url}/api/products`, { headers: { 'x-api-key': 'key-zzz' } });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.message, 'unknown API key');
      const bearer = await call(`${shop.gateway.url}/api/products`, {
        headers: { authorization: 'Bearer key-b' },
      });
      assert.equal(bearer.status, 200);
    });

    it('answers malformed JSON with 400', async () => {
      const answer = await call(`${shop.gateway.url}/api/orders`, {
        method: 'POST',
        headers: { ...JSON_HEADERS, 'idempotency-key': nextKey() },
        body: '{"lines": [',
      });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error, 'bad_request');
      assert.match(answer.body.message, /JSON/);
    });

    it('lists every bad field of a body with wrong types', async () => {
      const answer = await order({
        lines: [
          { productId: 'p-duck', quantity: '2' },
          { productId: 7, quantity: 0 },
        ],
        coupon: 'x',
      });
      assert.equal(answer.status, 400);
      const paths = answer.body.details.map((detail: { path: string }) => detail.path).sort();
      assert.deepEqual(paths, ['(root)', 'lines.0.quantity', 'lines.1.productId', 'lines.1.quantity']);
      const empty = await order({ lines: [] });
      assert.equal(empty.status, 400);
      assert.match(empty.body.message, /lines: must list at least one line/);
      const unknown = await order({ lines: [{ productId: 'p-ghost', quantity: 1 }] });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.details[0].path, 'lines.0.productId');
    });

    it('requires a well-formed Idempotency-Key', async () => {
      const missing = await call(`${shop.gateway.url}/api/orders`, {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({ lines: [{ productId: 'p-duck', quantity: 1 }] }),
      });
      assert.equal(missing.status, 400);
      assert.match(missing.body.message, /Idempotency-Key header is required/);
      const bad = await order({ lines: [{ productId: 'p-duck', quantity: 1 }] }, 'spaces are not allowed');
      assert.equal(bad.status, 400);
    });

    it('refuses a body above the limit with 413 and a non-JSON body with 415', async () => {
      const huge = await order({
        lines: [{ productId: 'p-duck', quantity: 1 }],
        padding: 'x'.repeat(64 * 1024),
      });
      assert.equal(huge.status, 413);
      assert.equal(huge.body.error, 'payload_too_large');
      const text = await call(`${shop.gateway.url}/api/orders`, {
        method: 'POST',
        headers: { ...KEY_A, 'content-type': 'text/plain', 'idempotency-key': nextKey() },
        body: 'lines=1',
      });
      assert.equal(text.status, 415);
    });

    it('answers unknown routes and bad ids with JSON errors', async () => {
      const unknown = await call(`${shop.gateway.url}/api/nothing-here`, { headers: KEY_A });
      assert.equal(unknown.status, 404);
      assert.deepEqual(Object.keys(unknown.body).sort(), ['error', 'message', 'requestId']);
      assert.equal(unknown.body.message, 'no route GET /api/nothing-here');
      const offApi = await call(`${shop.gateway.url}/nope`);
      assert.equal(offApi.status, 404);
      const badId = await call(`${shop.gateway.url}/api/products/${'x'.repeat(100)}`, { headers: KEY_A });
      assert.equal(badId.status, 400);
      const badQuery = await call(`${shop.gateway.url}/api/products?pageSize=abc`, { headers: KEY_A });
      assert.equal(badQuery.status, 400);
      assert.equal(badQuery.body.details[0].path, 'pageSize');
    });

    it('is still healthy afterwards and counts every route in the RED metrics', async () => {
      assert.equal((await fetch(`${shop.gateway.adminUrl}/livez`)).status, 200);
      const metrics = await metricsOf(shop.gateway);
      const http = 'rebound_http_server_requests_total';
      assert.ok(metricValue(metrics, http, { operation: 'GET /api/products', outcome: '200' })! >= 1);
      assert.ok(metricValue(metrics, http, { operation: 'POST /api/orders', outcome: '201' })! >= 1);
      assert.ok(metricValue(metrics, http, { operation: 'POST /api/orders', outcome: '400' })! >= 1);
      assert.equal(metricValue(metrics, 'rebound_gateway_unauthenticated_total', { reason: 'missing' }), 1);
      assert.equal(metricValue(metrics, 'rebound_gateway_idempotency_total', { outcome: 'conflict' }), 1);
      const listProducts = { operation: 'rebound.catalog.v1.CatalogService/ListProducts', outcome: 'OK' };
      assert.ok(metricValue(metrics, 'rebound_rpc_client_requests_total', listProducts)! >= 1);
      // Every outgoing client's breaker is visible, closed (0), before anything has gone wrong.
      assert.match(metrics, /^rebound_resilience_breaker_state\{[^}]*CatalogService[^}]*\} 0$/m);
      assert.match(shop.gateway.output(), /"requestId":"[^"]+"/);
    });
  });

  describe('shutdown', () => {
    it('drains and exits 0 on SIGTERM', async () => {
      assert.equal(await shop.gateway.stop(), 0);
      assert.match(shop.gateway.output(), /drain/i);
    });
  });
});
