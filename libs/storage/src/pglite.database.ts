import { mkdir } from 'node:fs/promises';
import { PGlite, type Results, type Transaction } from '@electric-sql/pglite';
import { DEFAULT_SCHEMA } from './constants.ts';
import type { Database, Queryable, QueryResult } from './database.ts';
import { ensureSchema, quoteSchema } from './schema-name.ts';
import { TransactionScope } from './transaction-scope.ts';

export interface PGliteDatabaseOptions {
  /** Directory for the data files (created if missing); omitted = in memory, gone on close (tests). */
  readonly dataDir?: string;
  /** Schema for unqualified names (`search_path`), created if missing. Default `public`. */
  readonly schema?: string;
}

function toResult<Row>(result: Results<Row>): QueryResult<Row> {
  return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
}

function queryable(target: PGlite | Transaction): Queryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      return toResult(await target.query<Row>(sql, params as unknown[]));
    },
    async exec(sql: string): Promise<void> {
      await target.exec(sql);
    },
  };
}

/**
 * Embedded PostgreSQL (PGlite, WebAssembly) in this process: the default when no `DATABASE_URL` is set. One
 * session, so statements run one at a time and a transaction holds everyone else until it ends.
 */
export async function openPGlite(options: PGliteDatabaseOptions = {}): Promise<Database> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const quoted = quoteSchema(schema); // validate before starting anything
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const db = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
  try {
    await db.waitReady;
    await ensureSchema((sql) => db.exec(sql), schema);
    await db.exec(`SET search_path TO ${quoted}, public`);
  } catch (error) {
    if (!db.closed) await db.close().catch(() => {});
    throw error;
  }
  const root = queryable(db);
  const scope = new TransactionScope();
  let closed: Promise<void> | undefined;
  return {
    kind: 'pglite',
    schema,
    async query<Row>(sql: string, params?: readonly unknown[]) {
      scope.assertOutside('query');
      return root.query<Row>(sql, params);
    },
    async exec(sql: string) {
      scope.assertOutside('exec');
      return root.exec(sql);
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      scope.assertOutside('transaction');
      return db.transaction((tx) => scope.run(() => fn(queryable(tx))));
    },
    async ping(): Promise<void> {
      scope.assertOutside('ping');
      await db.query('SELECT 1');
    },
    close(): Promise<void> {
      closed ??= db.closed ? Promise.resolve() : db.close();
      return closed;
    },
  };
}
