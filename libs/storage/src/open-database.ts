import type { Database } from './database.ts';
import { openPGlite } from './pglite.database.ts';
import { openPostgres, type PostgresDatabaseOptions } from './postgres.database.ts';

export interface OpenDatabaseOptions extends Omit<PostgresDatabaseOptions, 'url'> {
  /** The service's schema (and, on PGlite, the default data directory name). Required: one per service. */
  readonly schema: string;
  /**
   * PostgreSQL URL; default `env.<SCHEMA>_DATABASE_URL` (e.g. `ORDERS_DATABASE_URL`), then `env.DATABASE_URL`.
   * When none is set, embedded PGlite is used.
   */
  readonly url?: string;
  /** PGlite data directory; default `.data/<schema>` under the working directory. `memory` keeps it in memory. */
  readonly dataDir?: string;
  /** Where the URL variables are read from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The variable a service's own database URL is read from first: `orders` → `ORDERS_DATABASE_URL`. */
export function databaseUrlVariable(schema: string): string {
  return `${schema.toUpperCase()}_DATABASE_URL`;
}

/** PostgreSQL when a URL is configured, otherwise embedded PGlite on disk: the one call services make. */
export function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const env = options.env ?? process.env;
  const url = options.url ?? (env[databaseUrlVariable(options.schema)] || env.DATABASE_URL || undefined);
  if (url) return openPostgres({ ...options, url });
  const dataDir = options.dataDir ?? `.data/${options.schema}`;
  return openPGlite(dataDir === 'memory' ? { schema: options.schema } : { schema: options.schema, dataDir });
}
