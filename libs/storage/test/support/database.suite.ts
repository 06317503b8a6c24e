// The behaviour services rely on, run against a real PostgreSQL server (`test/postgres.test.ts`); kept as a
// suite of its own so another engine or setup (a pooler, a standby) can be held to the same contract.
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Database, isMigrationError, migrate } from '../../src/index.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures');

/** `open(schema)` returns a fresh database handle for that schema on the engine under test. */
export function databaseSuite(engine: string, open: (schema: string) => Promise<Database>): void {
  describe(`Database on ${engine}`, () => {
    let db: Database;
    let scratch: string;

    before(async () => {
      db = await open('shop');
      scratch = await mkdtemp(join(tmpdir(), 'rebound-migrations-'));
    });

    after(async () => {
      await db.close();
      await rm(scratch, { recursive: true, force: true });
    });

    it('queries with parameters and returns typed rows', async () => {
      const { rows, rowCount } = await db.query<{ n: number; label: string; big: number }>(
        'SELECT $1::int AS n, $2::text AS label, 9007199254740991::int8 AS big',
        [41, "it's"],
      );
      assert.deepEqual(rows, [{ n: 41, label: "it's", big: 9_007_199_254_740_991 }]);
      assert.equal(rowCount, 1);
    });

    it('applies migrations once, in order, into the named schema', async () => {
      const first = await migrate(db, { dir: join(fixtures, 'migrations-v1') });
      assert.deepEqual(first.applied, ['0001_create_items.sql']);
      const again = await migrate(db, { dir: join(fixtures, 'migrations-v1') });
      assert.deepEqual(again.applied, []);
      const next = await migrate(db, { dir: join(fixtures, 'migrations-v2') });
      assert.deepEqual(next.applied, ['0002_add_price.sql']);
      const { rows } = await db.query<{ stock: number; price_minor: number }>(
        'SELECT stock, price_minor FROM items WHERE id = $1',
        ['kettle'],
      );
      assert.deepEqual(rows, [{ stock: 3, price_minor: 2_999 }]);
      const where = await db.query<{ table_schema: string }>(
        "SELECT table_schema FROM information_schema.tables WHERE table_name = 'items'",
      );
      assert.deepEqual(where.rows, [{ table_schema: 'shop' }]);
      const recorded = await db.query<{ version: number }>(
        'SELECT version FROM shop.schema_migrations ORDER BY 1',
      );
      assert.deepEqual(recorded.rows, [{ version: 1 }, { version: 2 }]);
    });

    it('refuses to run when an applied migration was edited', async () => {
      const dir = join(scratch, 'edited');
      await cp(join(fixtures, 'migrations-v2'), dir, { recursive: true });
      await writeFile(join(dir, '0001_create_items.sql'), 'CREATE TABLE items (id text);\n');
      await writeFile(join(dir, '0003_never_applied.sql'), 'CREATE TABLE never_applied (id int);\n');
      await assert.rejects(migrate(db, { dir }), (error) => {
        assert.ok(isMigrationError(error));
        assert.match(error.message, /migration 0001_create_items\.sql changed after it was applied/);
        return true;
      });
      const leftover = await db.query(
        "SELECT 1 FROM information_schema.tables WHERE table_name = 'never_applied'",
      );
      assert.equal(leftover.rowCount, 0, 'nothing of a refused run is applied');
    });

    it('rolls back every pending migration when one fails, naming the file', async () => {
      const dir = join(scratch, 'failing');
      await cp(join(fixtures, 'migrations-v2'), dir, { recursive: true });
      await writeFile(join(dir, '0003_ok.sql'), 'CREATE TABLE partial (id int);\n');
      await writeFile(join(dir, '0004_broken.sql'), 'CREATE TABLE broken (id nosuchtype);\n');
      await assert.rejects(migrate(db, { dir }), /migration 0004_broken\.sql failed: .*nosuchtype/);
      const partial = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'partial'");
      assert.equal(partial.rowCount, 0);
    });

    it('rejects badly named and duplicate migration files', async () => {
      const dir = join(scratch, 'names');
      await cp(join(fixtures, 'migrations-v1'), dir, { recursive: true });
      await writeFile(join(dir, '01_create_items_again.sql'), 'SELECT 1;\n');
      await assert.rejects(migrate(db, { dir }), /share version 1/);
      await writeFile(join(dir, 'create-things.sql'), 'SELECT 1;\n');
      await assert.rejects(migrate(db, { dir }), /name it <number>_<words>\.sql/);
    });

    it('commits a transaction that resolves', async () => {
      const result = await db.transaction(async (tx) => {
        await tx.query('UPDATE items SET stock = stock - 1 WHERE id = $1', ['kettle']);
        return (await tx.query<{ stock: number }>('SELECT stock FROM items WHERE id = $1', ['kettle']))
          .rows[0]?.stock;
      });
      assert.equal(result, 2);
      assert.deepEqual((await db.query('SELECT stock FROM items')).rows, [{ stock: 2 }]);
    });

    it('rolls back a transaction that throws and rethrows the error', async () => {
      const boom = new Error('boom');
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('UPDATE items SET stock = 0');
          throw boom;
        }),
        (error) => error === boom,
      );
      assert.deepEqual((await db.query('SELECT stock FROM items')).rows, [{ stock: 2 }]);
    });

    it('refuses the database itself inside transaction(fn) instead of deadlocking', async () => {
      await assert.rejects(
        db.transaction(async () => db.query('SELECT 1')),
        /db\.query\(\) called inside db\.transaction\(fn\): use the tx argument/,
      );
      await assert.rejects(
        db.transaction(async () => db.transaction(async (inner) => inner.query('SELECT 1'))),
        /db\.transaction\(\) called inside/,
      );
      await db.ping();
    });

    it('surfaces constraint violations with their SQLSTATE and keeps working', async () => {
      await assert.rejects(db.query("UPDATE items SET stock = -1 WHERE id = 'kettle'"), { code: '23514' });
      await assert.rejects(
        db.transaction((tx) => tx.query("INSERT INTO items (id, stock) VALUES ('kettle', 1)")),
        { code: '23505' },
      );
      await db.ping();
    });

    it('never oversells under concurrent conditional updates', async () => {
      await db.query("INSERT INTO items (id, stock) VALUES ('mug', 5)");
      const attempts = await Promise.all(
        Array.from({ length: 12 }, () =>
          db.transaction(async (tx) => {
            const { rowCount } = await tx.query(
              "UPDATE items SET stock = stock - 1 WHERE id = 'mug' AND stock >= 1",
            );
            return rowCount;
          }),
        ),
      );
      assert.equal(attempts.filter((count) => count === 1).length, 5);
      assert.deepEqual((await db.query("SELECT stock FROM items WHERE id = 'mug'")).rows, [{ stock: 0 }]);
    });

    it('keeps each schema apart', async () => {
      const other = await open('other_service');
      try {
        await other.exec('CREATE TABLE items (id text PRIMARY KEY)');
        assert.equal((await other.query('SELECT * FROM items')).rowCount, 0);
        assert.equal((await db.query('SELECT * FROM items')).rowCount, 2);
      } finally {
        await other.close();
      }
    });

    it('rejects an unsafe schema name', async () => {
      await assert.rejects(open('orders"; DROP TABLE x; --'), /invalid schema name/);
    });
  });
}
