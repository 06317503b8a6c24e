import pg from 'pg';
import {
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_POOL_MAX,
  DEFAULT_SCHEMA,
  DEFAULT_STATEMENT_TIMEOUT_MS,
} from './constants.ts';
import type { Database, Queryable, QueryResult } from './database.types.ts';
import { DatabaseUnavailableError, looksUnavailable } from './errors/database-unavailable.error.ts';
import { ensureSchema, quoteSchema } from './schema.sql.ts';
import { StatementNames } from './statement-name.cache.ts';
import { TransactionScope } from './transaction.scope.ts';

export interface PostgresDatabaseOptions {
  /** `postgres://user:password@host:port/database`; the database part names the service's own database. */
  readonly url: string;
  /** Schema for unqualified names (`search_path`), created if missing. Default `public`. */
  readonly schema?: string;
  /** Pool size. Default 10. */
  readonly poolMax?: number;
  /** Bound on opening a connection. Default 5 s. */
  readonly connectionTimeoutMs?: number;
  /** Idle connections are closed after this long. Default 30 s. */
  readonly idleTimeoutMs?: number;
  /** Server-side `statement_timeout`. Default 30 s. */
  readonly statementTimeoutMs?: number;
  /** Server-side `idle_in_transaction_session_timeout`. Default 5 s. */
  readonly idleInTransactionTimeoutMs?: number;
  /** Shown in `pg_stat_activity`. */
  readonly applicationName?: string;
  /** Errors of idle pooled connections (the server went away); the pool replaces them. Default: ignored. */
  readonly onIdleError?: (error: Error) => void;
}

/** The URL without its password, for error messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return `${parsed.protocol}//${parsed.username ? `${parsed.username}@` : ''}${parsed.host}${parsed.pathname}`;
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

function parseInt8(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`int8 value ${value} does not fit a JS number`);
  return parsed;
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as never,
};

/** Opens a `pg` pool; resolves once a first connection works, else throws {@link DatabaseUnavailableError}. */
export async function openPostgres(options: PostgresDatabaseOptions): Promise<Database> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const target = redactUrl(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax ?? DEFAULT_POOL_MAX,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    idleTimeoutMillis: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout:
      options.idleInTransactionTimeoutMs ?? DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    options: `-c search_path=${quoteSchema(schema)},public`,
    keepAlive: true,
    types,
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
  });
  // Without a listener an idle connection dropped by the server would crash the process.
  pool.on('error', (error) => options.onIdleError?.(error));

  const wrap = (error: unknown): unknown =>
    looksUnavailable(error)
      ? new DatabaseUnavailableError(target, (error as Error).message || String(error), { cause: error })
      : error;
  const names = new StatementNames();
  const queryable = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      try {
        const result =
          params.length === 0
            ? await client.query(sql)
            : await client.query({ text: sql, values: params as unknown[], name: names.for(sql) });
        return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
      } catch (error) {
        throw wrap(error);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await client.query(sql);
      } catch (error) {
        throw wrap(error);
      }
    },
  });
  const root = queryable(pool);
  const scope = new TransactionScope();
  let closed: Promise<void> | undefined;

  const database: Database = {
    kind: 'postgres',
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
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw wrap(error);
      }
      // A checked-out connection has no pool listener: the server ending it between two statements (a failover, a
      // restart: 57P01) would be an unhandled 'error' that kills the process. The next statement fails instead.
      const dropped = () => {};
      client.on('error', dropped);
      const tx = queryable(client);
      try {
        await tx.exec('BEGIN');
        const result = await scope.run(() => fn(tx));
        await tx.exec('COMMIT');
        client.off('error', dropped);
        client.release();
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
          client.off('error', dropped);
          client.release();
        } catch {
          client.off('error', dropped);
          client.release(true); // the connection is broken: drop it instead of pooling it
        }
        throw error;
      }
    },
    async ping(): Promise<void> {
      scope.assertOutside('ping');
      await root.query('SELECT 1');
    },
    close(): Promise<void> {
      closed ??= pool.end();
      return closed;
    },
  };

  try {
    await ensureSchema(root.exec, schema);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}
