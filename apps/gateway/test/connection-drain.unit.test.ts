// ConnectionDrain on a plain node:http server on 127.0.0.1, with clients on raw keep-alive sockets that never
// close a connection themselves: which connections the drain closes, when, and what the answers say.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ConnectionDrain } from '@rebound/service-defaults';
import { waitFor } from '@rebound/testing';
import { type RawConnection, rawConnection, responseHeads, sendGet } from './support/raw-http.ts';

/**
 * A server whose `/quick` answers at once, `/held` answers when released, and `/streaming` sends its head and a
 * first chunk at once and ends when released. Keep-alive outlives every test, so only the drain closes.
 */
async function heldServer(leaving?: () => boolean) {
  const held: ServerResponse[] = [];
  const server = createServer((request, response) => {
    if (request.url === '/quick') return void response.end('quick');
    if (request.url === '/streaming') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('first part ');
    }
    held.push(response);
  });
  server.keepAliveTimeout = 120_000;
  const drain = new ConnectionDrain(server, leaving === undefined ? {} : { leaving });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const closed = new Promise<void>((resolve) => server.once('close', resolve));
  return {
    server,
    drain,
    url,
    /** Resolves when `server.close()` completed, i.e. every connection has ended. */
    closed,
    /** Ends every held response. */
    release: () => {
      for (const response of held.splice(0)) response.end('released');
    },
    heldCount: () => held.length,
    /** Ends everything whatever happened, so a failing test leaves nothing open. */
    dispose: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Tracks whether the connection was ended, readable synchronously. */
function endedFlag(connection: RawConnection): () => boolean {
  let ended = false;
  void connection.ended.then(() => (ended = true));
  return () => ended;
}

describe('ConnectionDrain', () => {
  it('closes idle connections at once and an in-flight one right after its answer, which says close', {
    timeout: 10_000,
  }, async () => {
    const shop = await heldServer();
    try {
      const idle = await rawConnection(shop.url);
      sendGet(idle, '/quick');
      await waitFor(() => responseHeads(idle.received()).length === 1, { description: 'the quick answer' });
      assert.equal(responseHeads(idle.received())[0]?.headers.get('connection'), 'keep-alive');
      const busy = await rawConnection(shop.url);
      sendGet(busy, '/held');
      await waitFor(() => shop.heldCount() === 1, { description: 'the held request' });
      const busyEnded = endedFlag(busy);

      shop.server.close();
      shop.drain.start();
      await idle.ended;
      assert.equal(busyEnded(), false, 'the in-flight connection stays until answered');

      shop.release();
      await busy.ended;
      const [answer] = responseHeads(busy.received());
      assert.equal(answer?.status, 200);
      assert.equal(answer?.headers.get('connection'), 'close');
      assert.match(busy.received(), /released$/);
      await shop.closed;
    } finally {
      shop.dispose();
    }
  });

  it('closes a connection whose answer went out as keep-alive before the drain, once that answer ends', {
    timeout: 10_000,
  }, async () => {
    const shop = await heldServer();
    try {
      const streaming = await rawConnection(shop.url);
      sendGet(streaming, '/streaming');
      await waitFor(() => responseHeads(streaming.received()).length === 1, { description: 'the head' });
      assert.equal(responseHeads(streaming.received())[0]?.headers.get('connection'), 'keep-alive');

      shop.server.close();
      shop.drain.start();
      shop.release();
      // Node would keep this connection open for keepAliveTimeout: the drain closes it as it goes idle.
      await streaming.ended;
      assert.match(streaming.received(), /first part /);
      assert.match(streaming.received(), /released\r\n0\r\n\r\n$/);
      await shop.closed;
    } finally {
      shop.dispose();
    }
  });

  it('once leaving, answers every request with close and ends its connection, idle ones waiting for start', {
    timeout: 10_000,
  }, async () => {
    let leaving = false;
    const shop = await heldServer(() => leaving);
    try {
      const early = await rawConnection(shop.url);
      sendGet(early, '/quick');
      await waitFor(() => responseHeads(early.received()).length === 1, { description: 'the early answer' });
      const earlyEnded = endedFlag(early);

      leaving = true;
      const late = await rawConnection(shop.url);
      sendGet(late, '/quick');
      await late.ended;
      assert.equal(responseHeads(late.received())[0]?.status, 200, 'still served');
      assert.equal(responseHeads(late.received())[0]?.headers.get('connection'), 'close');
      assert.equal(earlyEnded(), false, 'an idle connection is left alone until the drain starts');

      shop.drain.start();
      await early.ended;
      assert.equal(shop.drain.draining, true);
    } finally {
      shop.dispose();
    }
  });
});
