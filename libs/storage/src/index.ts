export {
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MIGRATIONS_TABLE,
  DEFAULT_POOL_MAX,
  DEFAULT_SCHEMA,
  DEFAULT_STATEMENT_TIMEOUT_MS,
} from './constants.ts';
export type { OpenDatabaseOptions } from './database.factory.ts';
export {
  databaseUrlOf,
  databaseUrlVariable,
  MissingDatabaseUrlError,
  openDatabase,
} from './database.factory.ts';
export type { Database, DatabaseKind, Queryable, QueryResult } from './database.types.ts';
export { DatabaseUnavailableError, isDatabaseUnavailableError } from './errors/database-unavailable.error.ts';
export { FencingTokenError, isFencingTokenError } from './errors/fencing-token.error.ts';
export { isMigrationError, MigrationError } from './errors/migration.error.ts';
export type {
  LeaderElection,
  LeaderElectionOptions,
  LeaderState,
} from './leader/leader.election.ts';
export { assertFencingToken, electLeader, withFencing } from './leader/leader.election.ts';
export { LEADER_LEASES_SQL, LEADER_LEASES_TABLE } from './leader/lease.sql.ts';
export type { MigrateOptions, MigrateResult, Migration } from './migration.runner.ts';
export { loadMigrations, migrate } from './migration.runner.ts';
export type { PostgresDatabaseOptions } from './postgres.database.ts';
export { openPostgres, redactUrl } from './postgres.database.ts';
