import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, type PostgresServer, skipUnlessPostgres, startPostgres, waitFor } from '@rebound/testing';
import {
  isDatabaseUnavailableError,
  MissingDatabaseUrlError,
  migrate,
  openDatabase,
  openPostgres,
} from '../src/index.ts';
import { databaseSuite } from './support/database.suite.ts';

const skip = skipUnlessPostgres();

describe('PostgreSQL', { skip }, () => {
  let server: PostgresServer;

  before(async () => {
    server = await startPostgres();
  });

  after(async () => {
    await server?.stop();
  });

  databaseSuite('PostgreSQL (pg pool)', (schema) => openPostgres({ url: server.url, schema }));

  it('is chosen by openDatabase when DATABASE_URL is set', async () => {
    const db = await openDatabase({ schema: 'chosen', env: { DATABASE_URL: server.url } });
    try {
      assert.equal(db.kind, 'postgres');
    } finally {
      await db.close();
    }
  });

  it('refuses to open without a URL, naming the variable to set', async () => {
    for (const env of [{}, { ORDERS_DATABASE_URL: '', DATABASE_URL: '' }]) {
      await assert.rejects(openDatabase({ schema: 'orders', env }), (error) => {
        assert.ok(error instanceof MissingDatabaseUrlError);
        assert.equal(error.variable, 'ORDERS_DATABASE_URL');
        assert.match(
          error.message,
          /^ORDERS_DATABASE_URL: required, the URL of the orders service's own PostgreSQL/,
        );
        return true;
      });
    }
  });

  it('prefers the service-specific <SCHEMA>_DATABASE_URL over DATABASE_URL', async () => {
    const unreachable = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    const db = await openDatabase({
      schema: 'orders',
      env: { ORDERS_DATABASE_URL: server.url, DATABASE_URL: unreachable },
    });
    try {
      assert.equal(db.kind, 'postgres');
      await db.ping();
    } finally {
      await db.close();
    }
  });

  it('prepares a parameterised statement once per connection, then only binds and executes it', async () => {
    const db = await openPostgres({ url: server.url, schema: 'prepared' });
    try {
      const prepared = await db.transaction(async (tx) => {
        for (const n of [1, 2, 3]) {
          const { rows } = await tx.query<{ n: number }>('SELECT $1::int AS n', [n]);
          assert.deepEqual(rows, [{ n }]);
        }
        const { rows } = await tx.query<{ statement: string; calls: number }>(
          'SELECT statement, generic_plans + custom_plans AS calls FROM pg_prepared_statements',
        );
        return rows;
      });
      assert.deepEqual(prepared, [{ statement: 'SELECT $1::int AS n', calls: 3 }]);
    } finally {
      await db.close();
    }
  });

  it('lets concurrent migrators take turns: each migration is applied exactly once', async () => {
    const dir = join(import.meta.dirname, 'fixtures', 'migrations-v2');
    const replicas = await Promise.all(
      Array.from({ length: 4 }, () => openPostgres({ url: server.url, schema: 'racing', poolMax: 2 })),
    );
    try {
      const results = await Promise.all(replicas.map((db) => migrate(db, { dir })));
      const applied = results.flatMap((result) => result.applied).sort();
      assert.deepEqual(applied, ['0001_create_items.sql', '0002_add_price.sql']);
      const rows = await replicas[0]!.query('SELECT id FROM items');
      assert.equal(rows.rowCount, 1, 'the seed row was inserted once');
    } finally {
      await Promise.all(replicas.map((db) => db.close()));
    }
  });

  it('survives the server ending a connection inside a transaction (a failover): the transaction fails, the process stays', async () => {
    const db = await openPostgres({ url: server.url, schema: 'terminated' });
    try {
      let terminated = 0;
      await assert.rejects(
        db.transaction(async (tx) => {
          const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          terminated = rows[0]?.pid ?? 0;
          const killer = await openPostgres({ url: server.url, schema: 'terminated' });
          try {
            await killer.query('SELECT pg_terminate_backend($1)', [terminated]);
            // The FATAL (57P01) reaches this connection while it sits idle in the transaction.
            await waitFor(
              async () =>
                (await killer.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [terminated]))
                  .rowCount === 0,
              { timeoutMs: 10_000, description: 'the backend gone' },
            );
          } finally {
            await killer.close();
          }
          await new Promise<void>((resolve) => setImmediate(resolve));
          await tx.query('SELECT 1');
        }),
      );
      assert.ok(terminated > 0);
      assert.deepEqual((await db.query('SELECT 3 AS n')).rows, [{ n: 3 }], 'the pool goes on');
    } finally {
      await db.close();
    }
  });

  it('fails clearly while the server is down and recovers when it is back', async () => {
    const db = await openPostgres({ url: server.url, schema: 'outage', connectionTimeoutMs: 1_000 });
    try {
      await db.ping();
      await server.halt();
      await assert.rejects(db.query('SELECT 1'), (error) => {
        assert.ok(
          isDatabaseUnavailableError(error),
          `expected DatabaseUnavailableError, got ${String(error)}`,
        );
        assert.match(
          error.message,
          /^database unavailable at postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres: /,
        );
        return true;
      });
      await assert.rejects(
        db.transaction((tx) => tx.query('SELECT 1')),
        (error) => isDatabaseUnavailableError(error),
      );
      await server.start();
      await waitFor(
        async () => {
          await db.ping();
          return true;
        },
        { timeoutMs: 10_000, description: 'the pool to reconnect' },
      );
      assert.deepEqual((await db.query('SELECT 2 AS n')).rows, [{ n: 2 }]);
    } finally {
      await db.close();
    }
  });
});

describe('PostgreSQL unreachable', () => {
  it('refuses to open with a clear error when nothing listens, without leaking the password', async () => {
    const port = await freePort();
    await assert.rejects(
      openPostgres({ url: `postgres://app:s3cret@127.0.0.1:${port}/orders`, schema: 'orders' }),
      (error) => {
        assert.ok(isDatabaseUnavailableError(error));
        assert.equal(error.target, `postgres://app@127.0.0.1:${port}/orders`);
        assert.doesNotMatch(error.message, /s3cret/);
        assert.match(error.message, /ECONNREFUSED/);
        return true;
      },
    );
  });

  it('gives up after the connection timeout when the server accepts but never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      await assert.rejects(
        openPostgres({
          url: `postgres://app@127.0.0.1:${port}/orders`,
          schema: 'orders',
          connectionTimeoutMs: 300,
        }),
        (error) => {
          assert.ok(isDatabaseUnavailableError(error), String(error));
          assert.match(error.message, /timeout/i);
          return true;
        },
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
