import type pg from 'pg';

interface DatabaseStats {
  readonly datname: string;
  readonly numbackends: number;
  readonly xact_commit: string;
  readonly xact_rollback: string;
}

const HELP = [
  '# HELP rebound_postgres_up Whether the server answered a query (1) or not (0).',
  '# TYPE rebound_postgres_up gauge',
];

/**
 * The server's health and, per service database, its connections and committed / rolled back transactions
 * (`pg_stat_database`), as Prometheus text. Never throws: a server that does not answer is `up 0`.
 */
export async function renderMetrics(pool: pg.Pool, databases: readonly string[]): Promise<string> {
  let rows: DatabaseStats[];
  try {
    rows = (
      await pool.query<DatabaseStats>(
        'SELECT datname, numbackends, xact_commit, xact_rollback FROM pg_stat_database WHERE datname = ANY($1)',
        [databases],
      )
    ).rows;
  } catch {
    return `${[...HELP, 'rebound_postgres_up 0'].join('\n')}\n`;
  }
  const lines = [
    ...HELP,
    'rebound_postgres_up 1',
    '# HELP rebound_postgres_connections Server processes connected to each service database.',
    '# TYPE rebound_postgres_connections gauge',
    ...rows.map((row) => `rebound_postgres_connections{database="${row.datname}"} ${row.numbackends}`),
    '# HELP rebound_postgres_transactions_total Transactions ended in each service database, by outcome.',
    '# TYPE rebound_postgres_transactions_total counter',
    ...rows.flatMap((row) => [
      `rebound_postgres_transactions_total{database="${row.datname}",outcome="commit"} ${row.xact_commit}`,
      `rebound_postgres_transactions_total{database="${row.datname}",outcome="rollback"} ${row.xact_rollback}`,
    ]),
  ];
  return `${lines.join('\n')}\n`;
}
