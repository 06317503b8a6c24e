import pg from 'pg';
import { synchronousName } from './standby.config.ts';

/** One standby as the primary sees it (`pg_stat_replication`). */
export interface ReplicaStatus {
  readonly name: string;
  /** `streaming`, `catchup`, `startup`... */
  readonly state: string;
  /** `sync` once it acknowledges commits, `async` otherwise. */
  readonly syncState: string;
  /** Bytes of WAL the primary has written that the standby has not replayed yet. */
  readonly lagBytes: number;
}

/** What `GET /status` on an instance's admin port answers: what the failover controller decides from. */
export interface InstanceStatus {
  readonly name: string;
  readonly role: 'primary' | 'standby';
  /** The WAL position: written (primary) or replayed (standby). */
  readonly lsn: string;
  readonly synchronousStandbyNames: string;
  /** Primary only: its standbys. */
  readonly replicas: readonly ReplicaStatus[];
}

/**
 * The instance's replication status, over a connection of its own: a server that cannot take a new connection
 * (a frozen or overloaded postmaster) fails it, even while sessions it had already opened still answer.
 */
export async function instanceStatus(
  adminUrl: string,
  name: string,
  timeoutMs = 900,
): Promise<InstanceStatus> {
  const pool = new pg.Client({
    connectionString: adminUrl,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  pool.on('error', () => {});
  await pool.connect();
  try {
    return await statusOver(pool, name);
  } finally {
    await pool.end().catch(() => {});
  }
}

async function statusOver(pool: pg.Client, name: string): Promise<InstanceStatus> {
  const { rows } = await pool.query<{ recovery: boolean; lsn: string; sync: string }>(
    `SELECT pg_is_in_recovery() AS recovery,
            CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text AS lsn,
            current_setting('synchronous_standby_names') AS sync`,
  );
  const row = rows[0];
  if (!row) throw new Error('no answer');
  const replicas = row.recovery
    ? []
    : (
        await pool.query<{ name: string; state: string; sync_state: string; lag: string | null }>(
          `SELECT application_name AS name, state, sync_state,
                  pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint::text AS lag
             FROM pg_stat_replication`,
        )
      ).rows.map((r) => ({
        name: r.name,
        state: r.state,
        syncState: r.sync_state,
        lagBytes: r.lag === null ? -1 : Number(r.lag),
      }));
  return {
    name,
    role: row.recovery ? 'standby' : 'primary',
    lsn: row.lsn ?? '',
    synchronousStandbyNames: row.sync,
    replicas,
  };
}

async function withClient<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot connect to this instance: ${(error as Error).message}`);
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Names the standby whose acknowledgement every commit waits for (or none: `null`), persisted with ALTER SYSTEM
 * so a restarted primary keeps it. With a standby, resolves only once it is `sync` and has flushed everything
 * written before: from then on it holds every acknowledged commit and may be promoted. Rejects after `timeoutMs`.
 */
export async function setSynchronousStandby(
  adminUrl: string,
  standby: string | null,
  timeoutMs = 5_000,
): Promise<void> {
  await withClient(adminUrl, async (client) => {
    if (standby === null) {
      await client.query('ALTER SYSTEM RESET synchronous_standby_names');
      await client.query('SELECT pg_reload_conf()');
      return;
    }
    await client.query(
      `ALTER SYSTEM SET synchronous_standby_names = ${client.escapeLiteral(synchronousName(standby))}`,
    );
    await client.query('SELECT pg_reload_conf()');
    const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    const target = rows[0]?.lsn ?? '0/0';
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const caught = await client.query(
        `SELECT 1 FROM pg_stat_replication
          WHERE application_name = $1 AND sync_state = 'sync' AND flush_lsn >= $2::pg_lsn`,
        [standby, target],
      );
      if (caught.rowCount) return;
      if (performance.now() > deadline) {
        throw new Error(`${standby} did not become a synchronous standby within ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
}

/** Promotes a standby (`pg_promote`, waiting for the end of recovery) and leaves it without a synchronous standby. */
export async function promote(adminUrl: string): Promise<void> {
  await withClient(adminUrl, async (client) => {
    const { rows } = await client.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
    if (rows[0]?.recovery) {
      const promoted = await client.query<{ ok: boolean }>('SELECT pg_promote(true, 30) AS ok');
      if (!promoted.rows[0]?.ok) throw new Error('pg_promote did not finish within 30 s');
    }
    await client.query('ALTER SYSTEM RESET synchronous_standby_names');
    await client.query('SELECT pg_reload_conf()');
  });
}
