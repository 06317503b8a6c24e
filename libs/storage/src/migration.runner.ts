import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_MIGRATIONS_TABLE } from './constants.ts';
import type { Database } from './database.types.ts';
import { MigrationError } from './errors/migration.error.ts';
import { quoteSchema } from './schema.sql.ts';

export interface Migration {
  /** From the file name's leading number: `0002_add_reservations.sql` is version 2. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** sha256 of the file, recorded when applied and compared on every later run. */
  readonly checksum: string;
}

export interface MigrateOptions {
  /** The service's `migrations/` folder: `<number>_<words>.sql` files, applied in numeric order. */
  readonly dir: string;
  /** Default `schema_migrations`, created in the database's schema. */
  readonly table?: string;
}

export interface MigrateResult {
  /** File names applied by this run, in order. */
  readonly applied: readonly string[];
  /** Versions recorded in the table but absent on disk (a newer release ran first); left alone. */
  readonly unknown: readonly number[];
}

const fileName = /^(\d+)_([a-z0-9_-]+)\.sql$/i;

/** Reads and orders the migrations in `dir`; a bad name or a duplicate version is a {@link MigrationError}. */
export async function loadMigrations(dir: string): Promise<Migration[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    throw new MigrationError(`cannot read migrations folder ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const migrations: Migration[] = [];
  for (const entry of entries.filter((name) => name.endsWith('.sql'))) {
    const match = fileName.exec(entry);
    if (!match)
      throw new MigrationError(
        `migration ${entry}: name it <number>_<words>.sql, e.g. 0001_create_orders.sql`,
      );
    const sql = await readFile(join(dir, entry), 'utf8');
    const checksum = createHash('sha256').update(sql).digest('hex');
    migrations.push({ version: Number(match[1]), name: entry, sql, checksum });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new MigrationError(
        `migrations ${migrations[i - 1]!.name} and ${migrations[i]!.name} share version ${migrations[i]!.version}`,
      );
    }
  }
  return migrations;
}

/**
 * Applies the pending migrations of `dir` in one transaction, recording each in the migrations table. Safe when
 * several replicas start at once: a transaction-scoped advisory lock (per schema and table) makes them take turns,
 * and the later ones find nothing to do. An applied migration whose file changed is a {@link MigrationError}.
 * Each file runs inside that transaction, so statements that refuse one (`CREATE INDEX CONCURRENTLY`) don't belong here.
 */
export async function migrate(db: Database, options: MigrateOptions): Promise<MigrateResult> {
  const migrations = await loadMigrations(options.dir);
  const table = `${quoteSchema(db.schema)}.${quoteSchema(options.table ?? DEFAULT_MIGRATIONS_TABLE)}`;
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`rebound.migrate:${table}`]);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS ${table} (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const { rows } = await tx.query<{ version: number; name: string; checksum: string }>(
      `SELECT version, name, checksum FROM ${table} ORDER BY version`,
    );
    const recorded = new Map(rows.map((row) => [row.version, row]));
    for (const migration of migrations) {
      const row = recorded.get(migration.version);
      if (row && row.checksum !== migration.checksum) {
        throw new MigrationError(
          `migration ${migration.name} changed after it was applied (recorded checksum ${row.checksum.slice(0, 12)}, ` +
            `file ${migration.checksum.slice(0, 12)}): never edit an applied migration, add a new one`,
        );
      }
    }
    const applied: string[] = [];
    for (const migration of migrations.filter((m) => !recorded.has(m.version))) {
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new MigrationError(`migration ${migration.name} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await tx.query(`INSERT INTO ${table} (version, name, checksum) VALUES ($1, $2, $3)`, [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      applied.push(migration.name);
    }
    const onDisk = new Set(migrations.map((m) => m.version));
    return { applied, unknown: rows.map((row) => row.version).filter((version) => !onDisk.has(version)) };
  });
}
