/** Schema when the caller names none. Services should name theirs (`orders`, `inventory`, `payments`). */
export const DEFAULT_SCHEMA = 'public';
/** Connections per process in the `pg` pool. */
export const DEFAULT_POOL_MAX = 10;
/** Give up connecting after this long, with a clear error, instead of hanging on an unreachable server. */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
/** Close connections idle for this long. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** Server-side bound on one statement (`statement_timeout`). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/**
 * Server-side bound on a transaction left idle (`idle_in_transaction_session_timeout`): a process frozen (SIGSTOP,
 * a long GC, a VM pause) inside a transaction holds its row locks only this long; then PostgreSQL ends its
 * session, rolls the transaction back, and everyone waiting on those rows goes on.
 */
export const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 5_000;
/** Table that records applied migrations, in the service's schema. */
export const DEFAULT_MIGRATIONS_TABLE = 'schema_migrations';
/**
 * Distinct parameterised SQL texts a pool prepares (named statements) before it sends the rest unnamed: a
 * service's repositories hold a few dozen; the bound keeps SQL built at run time from growing every connection.
 */
export const PREPARED_STATEMENT_LIMIT = 200;
