import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { skipUnlessPostgres, startPostgres } from '../src/index.ts';

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

describe('startPostgres', { skip: skipUnlessPostgres() }, () => {
  it('serves on 127.0.0.1, halts and starts on the same port, and stops cleanly', async () => {
    const server = await startPostgres();
    try {
      assert.match(server.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      assert.equal(await canConnect(server.port), true);
      await server.halt();
      assert.equal(await canConnect(server.port), false);
      await server.start();
      assert.equal(await canConnect(server.port), true);
    } finally {
      await server.stop();
    }
    assert.equal(await canConnect(server.port), false);
  });
});
