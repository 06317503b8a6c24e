import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { HealthProbes } from '@rebound/health';
import type { Logger } from '@rebound/observability';
import {
  type Database,
  databaseUrlOf,
  MissingDatabaseUrlError,
  migrate,
  openDatabase,
} from '@rebound/storage';
import { HEALTH_PROBES, LOGGER } from './service-defaults.tokens.ts';

/** Injection token of the service's `Database`. */
export const DATABASE = Symbol.for('rebound.service-defaults.database');

export interface DatabaseModuleOptions {
  /** The service's schema (`inventory`): its own database and `<SCHEMA>_DATABASE_URL`. */
  readonly schema: string;
  /** Absolute path of the service's `migrations/` folder. */
  readonly migrationsDir: string;
}

@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  readonly #db: Database;

  constructor(@Inject(DATABASE) db: Database) {
    this.#db = db;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.#db.close();
  }
}

/** The schemas of every `DatabaseModule.forRoot` in this process, for {@link databaseConfigProblems}. */
const declared = new Set<string>();

/**
 * The configuration problems of the databases this process declared: one line per schema whose
 * `<SCHEMA>_DATABASE_URL` (or `DATABASE_URL`) is missing. `bootstrap()` checks them with the rest of the config,
 * so a service without its URL stops before anything starts, with one clear line.
 */
export function databaseConfigProblems(env: Readonly<Record<string, string | undefined>>): string[] {
  return [...declared]
    .filter((schema) => !databaseUrlOf(schema, env))
    .map((schema) => new MissingDatabaseUrlError(schema).message);
}

/**
 * The service's own PostgreSQL database, from `<SCHEMA>_DATABASE_URL` (else `DATABASE_URL`); without one the
 * service does not start (see {@link databaseConfigProblems}). Migrations run before the service starts; a
 * `database` readiness check pings it; it is closed at shutdown, after the gRPC server has drained.
 */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    declared.add(options.schema);
    return {
      module: DatabaseModule,
      global: true,
      providers: [
        {
          provide: DATABASE,
          inject: [HEALTH_PROBES, LOGGER],
          useFactory: async (probes: HealthProbes, logger: Logger) => {
            const db = await openDatabase({ schema: options.schema });
            const result = await migrate(db, { dir: options.migrationsDir });
            logger.info({ engine: db.kind, migrations: result }, `database ${options.schema} ready`);
            probes.addCheck('readiness', 'database', async () => {
              await db.ping();
              return true;
            });
            return db;
          },
        },
        DatabaseLifecycle,
      ],
      exports: [DATABASE],
    };
  }
}
