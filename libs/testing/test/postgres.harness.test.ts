import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import pg from 'pg';
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

async function query<Row>(url: string, sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Row[];
  } finally {
    await client.end();
  }
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

  it('runs PostgreSQL 18 from the embedded binaries, never as root, and creates databases', async () => {
    await using server = await startPostgres();
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string; pid: number }>(
        'SELECT current_setting($$server_version_num$$) AS version, pg_backend_pid() AS pid',
      );
      assert.match(rows[0]!.version, /^18\d{4}$/);
      const status = readFileSync(`/proc/${rows[0]!.pid}/status`, 'utf8');
      assert.notEqual(Number(/^Uid:\s+(\d+)/m.exec(status)![1]), 0, 'the server does not run as root');
    } finally {
      await client.end();
    }
    const url = await server.createDatabase('orders');
    assert.match(url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/orders$/);
    const [current] = await query<{ db: string }>(url, 'SELECT current_database() AS db');
    assert.equal(current!.db, 'orders');
  });
});
