// After a restore the supervisor publishes the outboxes' tail again (replayOutboxTail): on a real PostgreSQL, only
// rows sent within the window before the newest sent_at are marked unsent; older ones, unsent ones and databases
// without an outbox are left alone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { replayOutboxTail } from '@rebound/postgres-dev';
import { type PostgresServer, startPostgres } from '@rebound/testing';
import pg from 'pg';

describe('replayOutboxTail', () => {
  let server: PostgresServer;

  before(async () => {
    server = await startPostgres();
  });

  after(async () => {
    await server?.stop();
  });

  it('marks unsent only the rows sent within the window before the newest sent_at', async () => {
    const ordersUrl = await server.createDatabase('orders');
    await server.createDatabase('catalog');
    const client = new pg.Client({ connectionString: ordersUrl });
    await client.connect();
    await client.query(`CREATE SCHEMA orders;
      CREATE TABLE orders.outbox (id bigserial PRIMARY KEY, event_id text NOT NULL, sent_at timestamptz);
      INSERT INTO orders.outbox (event_id, sent_at) VALUES
        ('old', '2026-12-07T10:00:00Z'),
        ('edge', '2026-12-07T10:55:00Z'),
        ('recent', '2026-12-07T10:59:30Z'),
        ('newest', '2026-12-07T11:00:00Z'),
        ('unsent', NULL);`);
    const replayed = await replayOutboxTail({
      superuserUrl: server.url.replace(/\/postgres$/, ''),
      databases: ['orders', 'catalog'],
      windowSeconds: 300,
    });
    const { rows } = await client.query<{ event_id: string }>(
      'SELECT event_id FROM orders.outbox WHERE sent_at IS NULL ORDER BY id',
    );
    await client.end();
    assert.deepEqual(replayed, { orders: 3 });
    assert.deepEqual(
      rows.map((r) => r.event_id),
      ['edge', 'recent', 'newest', 'unsent'],
    );
  });
});
