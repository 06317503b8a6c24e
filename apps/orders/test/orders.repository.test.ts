// Per-customer idempotency and owner-only reads in the orders database itself, on PostgreSQL (the embedded
// binaries, a throwaway server). Migration 003 is run over a database that 002 left with the old global keys.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Database, migrate, openPostgres } from '@rebound/storage';
import { type PostgresServer, skipUnlessPostgres, startPostgres } from '@rebound/testing';
// The built service (NestJS decorators do not run from source under type stripping).
import { type NewOrder, OrdersRepository } from '../dist/orders/orders.repository.js';

const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url));
const BEFORE_SCOPING = ['001_orders_and_saga.sql', '002_outbox_relay_shape.sql'];

const newOrder = (customerId: string, idempotencyKey: string, quantity = 1): NewOrder => ({
  idempotencyKey,
  requestHash: `hash-${customerId}-${quantity}`,
  customerId,
  lines: [{ productId: 'p-001', quantity, unitPrice: { amountMinor: 500, currency: 'EUR' } }],
  totalMinor: 500 * quantity,
  currency: 'EUR',
});

/** Migrations 001-002 only: the schema as it was while idempotency keys were global. */
async function migrateBeforeScoping(db: Database): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rebound-orders-migrations-'));
  try {
    for (const name of BEFORE_SCOPING) await copyFile(join(MIGRATIONS, name), join(dir, name));
    await migrate(db, { dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function insertLegacy(db: Database, id: string, customerId: string, key: string): Promise<void> {
  await db.query(
    `INSERT INTO orders (id, idempotency_key, request_hash, customer_id, status, lines, total_minor, currency)
     VALUES ($1, $2, 'h', $3, 'CONFIRMED', '[]'::jsonb, 0, 'EUR')`,
    [id, key, customerId],
  );
}

function ownershipSuite(engine: string, open: (schema: string) => Promise<Database>): void {
  describe(`orders repository on ${engine}`, () => {
    let schemas = 0;
    const fresh = async (): Promise<Database> => open(`orders_scope_${++schemas}`);

    it('migration 003 rewrites the old "<customer>/<key>" keys to the bare key, per customer', async () => {
      const db = await fresh();
      try {
        await migrateBeforeScoping(db);
        await insertLegacy(db, 'o-1', 'client-a', 'client-a/k1');
        await insertLegacy(db, 'o-2', 'client-b', 'client-b/k1'); // the same key from another client
        await insertLegacy(db, 'o-3', 'client-a', 'k2'); // a direct caller's bare key...
        await insertLegacy(db, 'o-4', 'client-a', 'client-a/k2'); // ...already taken: this row stays as it is
        await insertLegacy(db, 'o-5', 'client-a', 'client-b/k3'); // not this customer's prefix
        const result = await migrate(db, { dir: MIGRATIONS });
        assert.deepEqual(result.applied, ['003_idempotency_per_customer.sql', '004_unknown_outcomes.sql']);
        const { rows } = await db.query<{ id: string; key: string }>(
          'SELECT id, idempotency_key AS key FROM orders ORDER BY id',
        );
        assert.deepEqual(
          rows.map((row) => `${row.id}=${row.key}`),
          ['o-1=k1', 'o-2=k1', 'o-3=k2', 'o-4=client-a/k2', 'o-5=client-b/k3'],
        );
        // The constraint is per customer now: a third client may use k1, client-a may not use it twice.
        await insertLegacy(db, 'o-6', 'client-c', 'k1');
        await assert.rejects(insertLegacy(db, 'o-7', 'client-a', 'k1'), /orders_customer_idempotency_key/);
      } finally {
        await db.close();
      }
    });

    describe('with every migration applied', () => {
      let db: Database;
      let repository: OrdersRepository;

      before(async () => {
        db = await fresh();
        await migrate(db, { dir: MIGRATIONS });
        repository = new OrdersRepository(db);
      });

      after(async () => {
        await db?.close();
      });

      it('places two independent orders for the same key from two customers', async () => {
        const a = await repository.place(newOrder('client-a', 'same-key', 1));
        const b = await repository.place(newOrder('client-b', 'same-key', 2));
        assert.equal(a.created, true);
        assert.equal(b.created, true, "client-b's key is not blocked by client-a's");
        assert.notEqual(b.order.id, a.order.id);
        assert.equal(b.order.customerId, 'client-b');
        assert.equal(b.order.totalMinor, 1_000, "client-b's own order, not client-a's");
        assert.deepEqual(await repository.outbox(b.order.id), ['OrderPlaced']);
        const againA = await repository.place(newOrder('client-a', 'same-key', 1));
        assert.equal(againA.created, false);
        assert.equal(againA.order.id, a.order.id, "client-a's retry finds client-a's order");
        assert.equal(againA.order.requestHash, 'hash-client-a-1');
      });

      it('turns concurrent duplicates of one customer into one order', async () => {
        const results = await Promise.all(
          Array.from({ length: 8 }, () => repository.place(newOrder('client-c', 'raced-key'))),
        );
        assert.equal(results.filter((result) => result.created).length, 1);
        assert.equal(new Set(results.map((result) => result.order.id)).size, 1);
      });

      it('finds an order for its owner only, and for an unscoped (operator) read', async () => {
        const { order } = await repository.place(newOrder('owner', 'owned-key'));
        assert.equal((await repository.find(order.id, 'owner'))?.id, order.id);
        assert.equal(await repository.find(order.id, 'someone-else'), undefined);
        assert.equal(await repository.find('o-missing', 'owner'), undefined);
        assert.equal((await repository.find(order.id))?.customerId, 'owner');
      });
    });
  });
}

const skip = skipUnlessPostgres();
describe('on PostgreSQL', { skip }, () => {
  let server: PostgresServer;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });
  ownershipSuite('PostgreSQL', (schema) => openPostgres({ url: server.url, schema }));
});
