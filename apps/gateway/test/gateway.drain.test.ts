// Graceful drain on SIGTERM with keep-alive clients: the built gateway as a process, catalog as an in-test
// gRPC server on 127.0.0.1 made to hang, and clients on raw sockets that never close a connection themselves
// (as a proxy's connection pool would), so every close seen here is the gateway's.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import { call } from './support/gateway-process.ts';
import { gatewayWithFakes } from './support/gateway-with-fakes.ts';

interface RawConnection {
  readonly socket: Socket;
  /** Everything the gateway sent on this connection so far. */
  received(): string;
  /** Resolves when the gateway ended the connection (the client never ends it). */
  readonly ended: Promise<void>;
}

/** A keep-alive HTTP/1.1 connection on a raw socket: what is sent and received stays visible byte for byte. */
async function rawConnection(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  const ended = new Promise<void>((resolve, reject) => {
    socket.once('end', resolve);
    socket.once('error', reject);
  });
  // Keeps the rejection of a socket error for whoever awaits `ended`, and no unhandled rejection otherwise.
  ended.catch(() => undefined);
  await once(socket, 'connect');
  return { socket, received: () => text, ended };
}

function send(connection: RawConnection, path: string): void {
  connection.socket.write(
    `GET ${path} HTTP/1.1\r\nHost: gateway\r\nConnection: keep-alive\r\nX-Api-Key: key-a\r\n\r\n`,
  );
}

/** The status and lower-cased headers of every complete response head received on the connection. */
function responseHeads(text: string): Array<{ status: number; headers: Map<string, string> }> {
  const heads: Array<{ status: number; headers: Map<string, string> }> = [];
  for (const match of text.matchAll(/HTTP\/1\.1 (\d{3})[^\r\n]*\r\n((?:[^\r\n]+\r\n)*)\r\n/g)) {
    const headers = new Map<string, string>();
    for (const line of (match[2] ?? '').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    heads.push({ status: Number(match[1]), headers });
  }
  return heads;
}

describe('gateway drain on SIGTERM', () => {
  describe('with keep-alive connections', () => {
    // The bound is far beyond what the drain needs, so only a drain that never completes can reach it (and then
    // `stop()` kills the process after its 15 s grace, which shows as an exit code other than 0).
    const shop = gatewayWithFakes({ SHUTDOWN_DRAIN_TIMEOUT_MS: '30000', SHUTDOWN_DRAIN_DELAY_MS: '0' });

    it('finishes the in-flight keep-alive request, closes its connection and exits 0 without waiting out the bound', async () => {
      const { gateway, catalog } = shop;
      // An idle keep-alive connection: one request answered, then left open by its client.
      const idle = await rawConnection(gateway.url);
      send(idle, '/api/products/p-mug');
      await waitFor(() => responseHeads(idle.received()).length === 1, { description: 'the first answer' });
      assert.equal(responseHeads(idle.received())[0]?.status, 200);

      // A busy keep-alive connection: its request waits on a catalog that hangs.
      catalog.modes.set('listProducts', 'hang');
      const busy = await rawConnection(gateway.url);
      send(busy, '/api/products');
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
    });
  });

  describe('with a checkout in flight', () => {
    const shop = gatewayWithFakes({ SHUTDOWN_DRAIN_TIMEOUT_MS: '30000', SHUTDOWN_DRAIN_DELAY_MS: '0' });

    it('lets a checkout that is pricing from catalog at SIGTERM go on to place its order', async () => {
      const { gateway, catalog, orders } = shop;
      catalog.modes.set('getProduct', 'hang');
      const placing = call(`${gateway.url}/api/orders`, {
        method: 'POST',
        headers: { 'x-api-key': 'key-a', 'content-type': 'application/json', 'idempotency-key': 'drain-1' },
        body: JSON.stringify({ lines: [{ productId: 'p-duck', quantity: 1 }] }),
      });
      await waitFor(() => catalog.calls.get('getProduct') === 1, { description: 'pricing reaching catalog' });
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
    });
  });

  describe('during the drain delay', () => {
    // Long enough that the delay is still running when the test ends it with a second signal.
    const shop = gatewayWithFakes({ SHUTDOWN_DRAIN_DELAY_MS: '60000' });

    it('still serves a keep-alive client but closes its connection after the answer', async () => {
      const { gateway } = shop;
      const client = await rawConnection(gateway.url);
      send(client, '/api/products/p-mug');
      await waitFor(() => responseHeads(client.received()).length === 1, { description: 'the first answer' });
      assert.equal(responseHeads(client.received())[0]?.headers.get('connection'), 'keep-alive');

      const exited = gateway.stop();
      await waitFor(async () => (await call(`${gateway.adminUrl}/readyz`)).status === 503, {
        description: 'readiness off',
      });
      send(client, '/api/products/p-mug');
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
