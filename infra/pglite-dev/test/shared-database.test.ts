import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Database, openPostgres } from '@rebound/storage';
import { type PgliteDev, startPgliteDev } from '../src/index.ts';

// Two pools stand for two replicas of one service: the reason this server exists.
describe('pglite-dev shared by two replicas', () => {
  let server: PgliteDev;
  let replicaA: Database;
  let replicaB: Database;

  before(async () => {
    server = await startPgliteDev();
    replicaA = await openPostgres({ url: server.url, schema: 'payments' });
    replicaB = await openPostgres({ url: server.url, schema: 'payments' });
    await replicaA.exec(`CREATE TABLE charges (payment_id text PRIMARY KEY, amount int NOT NULL);
      CREATE TABLE counter (id int PRIMARY KEY, value int NOT NULL); INSERT INTO counter VALUES (1, 0);`);
  });

  after(async () => {
    await replicaA?.close();
    await replicaB?.close();
    await server?.close();
  });

  it('shows a row written through one replica to the other', async () => {
    await replicaA.query('INSERT INTO charges VALUES ($1, $2)', ['pay-visible', 500]);
    const { rows } = await replicaB.query<{ amount: number }>(
      'SELECT amount FROM charges WHERE payment_id = $1',
      ['pay-visible'],
    );
    assert.deepEqual(rows, [{ amount: 500 }]);
  });

  it('creates a charge once when both replicas receive the same payment id at the same time', async () => {
    const attempts = Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? replicaA : replicaB).query(
        'INSERT INTO charges VALUES ($1, $2) ON CONFLICT (payment_id) DO NOTHING RETURNING payment_id',
        ['pay-once', 700],
      ),
    );
    const created = (await Promise.all(attempts)).filter((result) => result.rowCount === 1);
    assert.equal(created.length, 1);
    const { rows } = await replicaA.query('SELECT count(*)::int AS n FROM charges WHERE payment_id = $1', [
      'pay-once',
    ]);
    assert.deepEqual(rows, [{ n: 1 }]);
  });

  it('keeps read-modify-write transactions from the two replicas isolated', async () => {
    const increments = Array.from({ length: 30 }, (_, i) =>
      (i % 2 ? replicaA : replicaB).transaction(async (tx) => {
        const { rows } = await tx.query<{ value: number }>(
          'SELECT value FROM counter WHERE id = 1 FOR UPDATE',
        );
        await tx.query('UPDATE counter SET value = $1 WHERE id = 1', [(rows[0]?.value ?? 0) + 1]);
      }),
    );
    await Promise.all(increments);
    const { rows } = await replicaB.query('SELECT value FROM counter WHERE id = 1');
    assert.deepEqual(rows, [{ value: 30 }]);
  });

  it('discards a transaction that throws, for both replicas', async () => {
    await assert.rejects(
      replicaA.transaction(async (tx) => {
        await tx.query('INSERT INTO charges VALUES ($1, $2)', ['pay-rolled-back', 1]);
        throw new Error('declined');
      }),
      /declined/,
    );
    const { rowCount } = await replicaB.query('SELECT 1 FROM charges WHERE payment_id = $1', [
      'pay-rolled-back',
    ]);
    assert.equal(rowCount, 0);
  });
});

describe('pglite-dev on disk', () => {
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pglite-dev-'));
  });

  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps committed rows across a restart', async () => {
    const first = await startPgliteDev({ dataDir });
    const writer = await openPostgres({ url: first.url });
    await writer.exec('CREATE TABLE orders (id text PRIMARY KEY)');
    await writer.query('INSERT INTO orders VALUES ($1)', ['order-1']);
    await writer.close();
    await first.close();

    const second = await startPgliteDev({ dataDir });
    const reader = await openPostgres({ url: second.url });
    try {
      const { rows } = await reader.query('SELECT id FROM orders');
      assert.deepEqual(rows, [{ id: 'order-1' }]);
    } finally {
      await reader.close();
      await second.close();
    }
  });
});
