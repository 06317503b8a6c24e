import type { Database } from './database.ts';
import { openPGlite } from './pglite.database.ts';
import { openPostgres, type PostgresDatabaseOptions } from './postgres.database.ts';

export interface OpenDatabaseOptions extends Omit<PostgresDatabaseOptions, 'url'> {
  /** The service's schema (and, on PGlite, the default data directory name). Required: one per service. */
  readonly schema: string;
  /** PostgreSQL URL; default `env.DATABASE_URL`. When absent, embedded PGlite is used. */
  readonly url?: string;
  /** PGlite data directory; default `.data/<schema>` under the working directory. `memory` keeps it in memory. */
  readonly dataDir?: string;
  /** Where `DATABASE_URL` is read from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** PostgreSQL when a URL is configured, otherwise embedded PGlite on disk: the one call services make. */
export function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const url = options.url ?? (options.env ?? process.env).DATABASE_URL;
  if (url) return openPostgres({ ...options, url });
  const dataDir = options.dataDir ?? `.data/${options.schema}`;
  return openPGlite(dataDir === 'memory' ? { schema: options.schema } : { schema: options.schema, dataDir });
}
