import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { serviceDatabaseUrl } from '../src/index.ts';

async function query<Row>(url: string, sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Row[];
  } finally {
    await client.end();
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

describe('serviceDatabaseUrl', () => {
  it('gives each service and data dir its own database, and the same one again for the same data dir', async () => {
    const orders = await serviceDatabaseUrl('orders', '/tmp/a/orders');
    assert.equal(await serviceDatabaseUrl('orders', '/tmp/a/orders'), orders);
    const otherRun = await serviceDatabaseUrl('orders', '/tmp/b/orders');
    const inventory = await serviceDatabaseUrl('inventory', '/tmp/a/inventory');
    assert.equal(new Set([orders, otherRun, inventory]).size, 3);
    assert.match(orders, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/orders_[0-9a-f]{12}$/);
    await query(orders, 'CREATE TABLE kept (id int)');
    for (const url of [otherRun, inventory]) {
      await assert.rejects(query(url, 'SELECT * FROM kept'), { code: '42P01' });
    }
    assert.notEqual(await serviceDatabaseUrl('payments'), await serviceDatabaseUrl('payments'));
  });

  it('does not keep the test process alive, and stops its server when the process is done', async () => {
    const child = spawn(
      process.execPath,
      ['--conditions=development', join(import.meta.dirname, 'fixtures', 'shared-database.fixture.ts')],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 0);
    const port = Number(new URL(out.trim()).port);
    assert.ok(port > 0, out);
    assert.equal(await canConnect(port), false, 'the server is gone with the process');
  });
});
