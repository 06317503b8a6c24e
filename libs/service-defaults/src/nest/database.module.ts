import { join } from 'node:path';
import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { HealthProbes } from '@rebound/health';
import type { Logger } from '@rebound/observability';
import { type Database, migrate, openDatabase } from '@rebound/storage';
import type { BaseConfig } from '../config/service.config.ts';
import { HEALTH_PROBES, LOGGER, SERVICE_CONFIG } from './tokens.ts';

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

/**
 * The service's database: PostgreSQL when `<SCHEMA>_DATABASE_URL`/`DATABASE_URL` is set, else PGlite under
 * `DATA_DIR/db` (`.data/<schema>` without DATA_DIR). Migrations run before the service starts; a `database`
 * readiness check pings it; it is closed at shutdown, after the gRPC server has drained.
 */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [
        {
          provide: DATABASE,
          inject: [SERVICE_CONFIG, HEALTH_PROBES, LOGGER],
          useFactory: async (config: BaseConfig, probes: HealthProbes, logger: Logger) => {
            const db = await openDatabase({
              schema: options.schema,
              ...(config.DATA_DIR && { dataDir: join(config.DATA_DIR, 'db') }),
            });
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
