/** The rows of one statement and how many rows it touched (`rowCount` = affected rows for writes). */
export interface QueryResult<Row> {
  readonly rows: Row[];
  readonly rowCount: number;
}

/** What both a database and a transaction can do. */
export interface Queryable {
  /**
   * One statement with `$1`, `$2`... parameters (never interpolate values into SQL). `int8` columns come back as
   * JS numbers on both engines (an out-of-range value throws rather than losing precision on PostgreSQL).
   */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /** A script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** The engine underneath: PostgreSQL, reached over `pg` (the only one since PGlite left). */
export type DatabaseKind = 'postgres';

/**
 * One small interface over a PostgreSQL `pg` pool: what services, their repositories and their tests use, so none
 * of them touches the driver.
 */
export interface Database extends Queryable {
  readonly kind: DatabaseKind;
  /** The schema every unqualified name resolves to (`search_path`); see README, "Per-service database". */
  readonly schema: string;
  /**
   * Runs `fn` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws (and the
   * error is rethrown). Use only `tx` inside `fn`.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** A cheap round trip, for readiness checks; throws {@link DatabaseUnavailableError} when unreachable. */
  ping(): Promise<void>;
  /** Closes every connection. Idempotent. */
  close(): Promise<void>;
}
