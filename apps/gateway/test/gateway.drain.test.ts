// Graceful drain on SIGTERM with keep-alive clients: the built gateway as a process, catalog as an in-test
// gRPC server on 127.0.0.1 made to hang, and clients on raw sockets that never close a connection themselves
// (as a proxy's connection pool would), so every close seen here is the gateway's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import { call } from './support/gateway-process.ts';
import { gatewayWithFakes } from './support/gateway-with-fakes.ts';
import { rawConnection, responseHeads, sendGet } from './support/raw-http.ts';

const KEY = { 'X-Api-Key': 'key-a' };
/** Ends a test that waits for a close that never comes (the bug this file is about) instead of hanging the run. */
const BOUND = { timeout: 40_000 };

describe('gateway drain on SIGTERM', () => {
  describe('with keep-alive connections', () => {
    // The bound is far beyond what the drain needs, so only a drain that never completes can reach it (and then
    // `stop()` kills the process after its 15 s grace, which shows as an exit code other than 0).
    const shop = gatewayWithFakes({ SHUTDOWN_DRAIN_TIMEOUT_MS: '30000', SHUTDOWN_DRAIN_DELAY_MS: '0' });

    it(
      'finishes the in-flight keep-alive request, closes its connection and exits 0 without waiting out the bound',
      BOUND,
      async () => {
        const { gateway, catalog } = shop;
        // An idle keep-alive connection: one request answered, then left open by its client.
        const idle = await rawConnection(gateway.url);
        sendGet(idle, '/api/products/p-mug', KEY);
        await waitFor(() => responseHeads(idle.received()).length === 1, { description: 'the first answer' });
        assert.equal(responseHeads(idle.received())[0]?.status, 200);

        // A busy keep-alive connection: its request waits on a catalog that hangs.
        catalog.modes.set('listProducts', 'hang');
        const busy = await rawConnection(gateway.url);
        sendGet(busy, '/api/products', KEY);
        await waitFor(() => catalog.calls.get('listProducts') === 1, {
          description: 'the call reaching catalog',
        });

        const exited = gateway.stop();
        await waitFor(() => /readiness off, draining/.test(gateway.output()), {
          description: 'the drain starting',
        });
        // The idle connection is closed at once; the busy one stays open until its answer is out.
        await idle.ended;
        assert.equal(responseHeads(busy.received()).length, 0, 'nothing answered while catalog hangs');
        // The admin port keeps answering probes through the drain: alive, not ready.
        assert.equal((await call(`${gateway.adminUrl}/livez`)).status, 200);
        assert.equal((await call(`${gateway.adminUrl}/readyz`)).status, 503);

        // A new request while draining is refused: a 503 that closes its connection, or no connection at all.
        const late = await fetch(`${gateway.url}/api/products/p-mug`, {
          headers: { 'x-api-key': 'key-a' },
        }).then(
          async (response) => ({ status: response.status, connection: response.headers.get('connection') }),
          (error: unknown) => ({ refused: error instanceof Error }),
        );
        if ('status' in late) assert.deepEqual(late, { status: 503, connection: 'close' });
        else assert.deepEqual(late, { refused: true });

        // Catalog answers: the in-flight request completes with catalog's data, says it closes, and does.
        catalog.releaseHung();
        await busy.ended;
        const [answer, ...more] = responseHeads(busy.received());
        assert.equal(answer?.status, 200, busy.received());
        assert.equal(answer?.headers.get('connection'), 'close');
        assert.equal(
          answer?.headers.get('x-rebound-fallback'),
          undefined,
          'answered by catalog, not the cache',
        );
        assert.match(busy.received(), /"p-duck"/);
        assert.deepEqual(more, []);

        assert.equal(await exited, 0, gateway.output());
        assert.doesNotMatch(gateway.output(), /drain timed out/);
        assert.match(gateway.output(), /shutdown: done, exit 0/);
      },
    );
  });

  describe('with a checkout in flight', () => {
    const shop = gatewayWithFakes({ SHUTDOWN_DRAIN_TIMEOUT_MS: '30000', SHUTDOWN_DRAIN_DELAY_MS: '0' });

    it(
      'lets a checkout that is pricing from catalog at SIGTERM go on to place its order',
      BOUND,
      async () => {
        const { gateway, catalog, orders } = shop;
        catalog.modes.set('getProduct', 'hang');
        const placing = call(`${gateway.url}/api/orders`, {
          method: 'POST',
          headers: { 'x-api-key': 'key-a', 'content-type': 'application/json', 'idempotency-key': 'drain-1' },
          body: JSON.stringify({ lines: [{ productId: 'p-duck', quantity: 1 }] }),
        });
        await waitFor(() => catalog.calls.get('getProduct') === 1, {
          description: 'pricing reaching catalog',
        });
        const exited = gateway.stop();
        await waitFor(() => /readiness off, draining/.test(gateway.output()), {
          description: 'the drain starting',
        });
        catalog.releaseHung();
        const placed = await placing;
        assert.equal(placed.status, 201, JSON.stringify(placed.body));
        assert.equal(orders.calls.get('placeOrder'), 1);
        assert.equal(placed.headers.get('connection'), 'close');
        assert.equal(await exited, 0, gateway.output());
      },
    );
  });

  describe('during the drain delay', () => {
    // Long enough that the delay is still running when the test ends it with a second signal.
    const shop = gatewayWithFakes({ SHUTDOWN_DRAIN_DELAY_MS: '60000' });

    it('still serves a keep-alive client but closes its connection after the answer', BOUND, async () => {
      const { gateway } = shop;
      const client = await rawConnection(gateway.url);
      sendGet(client, '/api/products/p-mug', KEY);
      await waitFor(() => responseHeads(client.received()).length === 1, { description: 'the first answer' });
      assert.equal(responseHeads(client.received())[0]?.headers.get('connection'), 'keep-alive');

      const exited = gateway.stop();
      await waitFor(async () => (await call(`${gateway.adminUrl}/readyz`)).status === 503, {
        description: 'readiness off',
      });
      sendGet(client, '/api/products/p-mug', KEY);
      await waitFor(() => responseHeads(client.received()).length === 2, {
        description: 'the second answer',
      });
      const second = responseHeads(client.received())[1];
      assert.equal(second?.status, 200, 'served: the delay is for load balancers to notice');
      assert.equal(second?.headers.get('connection'), 'close');
      await client.ended;

      // A second signal ends the delay: exit 1 at once, as the ShutdownCoordinator documents.
      gateway.child.kill('SIGTERM');
      assert.equal(await exited, 1);
      assert.match(gateway.output(), /second signal/);
    });
  });
});
