import type { Database } from './database.types.ts';
import { openPostgres, type PostgresDatabaseOptions } from './postgres.database.ts';

export interface OpenDatabaseOptions extends Omit<PostgresDatabaseOptions, 'url'> {
  /** The service's schema, and the name of its URL variable (`orders` → `ORDERS_DATABASE_URL`). Required. */
  readonly schema: string;
  /** PostgreSQL URL; default `env.<SCHEMA>_DATABASE_URL` (e.g. `ORDERS_DATABASE_URL`), then `env.DATABASE_URL`. */
  readonly url?: string;
  /** Where the URL variables are read from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The variable a service's own database URL is read from first: `orders` → `ORDERS_DATABASE_URL`. */
export function databaseUrlVariable(schema: string): string {
  return `${schema.toUpperCase()}_DATABASE_URL`;
}

/** No URL configured for a service's database: a configuration error, reported on one line. */
export class MissingDatabaseUrlError extends Error {
  override name = 'MissingDatabaseUrlError';
  /** The variable to set, `ORDERS_DATABASE_URL`. */
  readonly variable: string;

  constructor(schema: string) {
    const variable = databaseUrlVariable(schema);
    super(
      `${variable}: required, the URL of the ${schema} service's own PostgreSQL database ` +
        `(postgres://${schema}:<password>@<host>:5432/${schema}; npm start sets it), or DATABASE_URL`,
    );
    this.variable = variable;
  }
}

/** `<SCHEMA>_DATABASE_URL`, else `DATABASE_URL`, else undefined (empty values count as unset). */
export function databaseUrlOf(
  schema: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  return env[databaseUrlVariable(schema)] || env.DATABASE_URL || undefined;
}

/**
 * The one call services make: a `pg` pool on the service's own PostgreSQL database. Without a URL it throws
 * {@link MissingDatabaseUrlError} at once (there is no embedded fallback: `npm start` runs a real server).
 */
export function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const url = options.url ?? databaseUrlOf(options.schema, options.env);
  if (!url) return Promise.reject(new MissingDatabaseUrlError(options.schema));
  return openPostgres({ ...options, url });
}
