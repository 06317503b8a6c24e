import pg from 'pg';

export interface HeartbeatRow {
  readonly id: number;
  /** The instance that committed it (`inet_server_port()`: its own port, behind the endpoint). */
  readonly port: number;
  /** Commit time (`track_commit_timestamp`), in ms since the epoch. */
  readonly committedAt: number;
}

export interface Heartbeat {
  /** Ids whose INSERT was acknowledged (COMMIT returned). */
  readonly acknowledged: number[];
  /** When each acknowledgement arrived (`Date.now()` of this process), by id. */
  readonly acknowledgedAt: Map<number, number>;
  stop(): Promise<void>;
  rows(): Promise<HeartbeatRow[]>;
  /**
   * The rows as stored now, and the acknowledged ids missing from them. The acknowledged ids are taken before the
   * rows are read (the writer goes on meanwhile), so a row acknowledged during the read is not counted missing.
   */
  audit(): Promise<{ rows: HeartbeatRow[]; acknowledged: number; missing: number[] }>;
}

/**
 * One row at a time through the read-write endpoint, as CloudNativePG's failover e2e test does: a connection that
 * fails is replaced and the writer goes on. The table shows which instance committed each row and when, so the
 * time from the last row committed on the old primary to the first on the new one is read from durable rows.
 */
export async function startHeartbeat(url: string, pauseMs = 20): Promise<Heartbeat> {
  const setup = new pg.Client({ connectionString: url });
  setup.on('error', () => {});
  await setup.connect();
  await setup.query(
    'CREATE TABLE IF NOT EXISTS heartbeat (id bigserial PRIMARY KEY, port int NOT NULL DEFAULT inet_server_port())',
  );
  await setup.end();
  const acknowledged: number[] = [];
  const acknowledgedAt = new Map<number, number>();
  let running = true;
  let client: pg.Client | undefined;
  const loop = (async () => {
    while (running) {
      try {
        if (!client) {
          const next = new pg.Client({
            connectionString: url,
            connectionTimeoutMillis: 1_000,
            query_timeout: 3_000,
          });
          next.on('error', () => {});
          client = next;
          await next.connect();
        }
        const { rows } = await client.query<{ id: string }>(
          'INSERT INTO heartbeat DEFAULT VALUES RETURNING id',
        );
        const id = Number(rows[0]?.id);
        acknowledged.push(id);
        acknowledgedAt.set(id, Date.now());
      } catch {
        await client?.end().catch(() => {});
        client = undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  const heartbeat: Heartbeat = {
    acknowledged,
    acknowledgedAt,
    async audit() {
      const before = [...acknowledged];
      const rows = await heartbeat.rows();
      const stored = new Set(rows.map((r) => r.id));
      return { rows, acknowledged: before.length, missing: before.filter((id) => !stored.has(id)) };
    },
    async stop() {
      running = false;
      await loop;
      await client?.end().catch(() => {});
    },
    async rows() {
      const reader = new pg.Client({ connectionString: url });
      // A connection cut by a switch of the endpoint fails the query; it must not end the test process.
      reader.on('error', () => {});
      await reader.connect();
      try {
        const { rows } = await reader.query<{ id: string; port: number; at: Date }>(
          'SELECT id, port, pg_xact_commit_timestamp(xmin) AS at FROM heartbeat ORDER BY id',
        );
        return rows.map((r) => ({ id: Number(r.id), port: r.port, committedAt: r.at.getTime() }));
      } finally {
        await reader.end();
      }
    },
  };
  return heartbeat;
}

/** From the last row the old primary committed to the first the new one did, in ms. */
export function writesResumeMs(rows: readonly HeartbeatRow[], oldPort: number, newPort: number): number {
  const lastOld = Math.max(...rows.filter((r) => r.port === oldPort).map((r) => r.committedAt));
  const firstNew = Math.min(
    ...rows.filter((r) => r.port === newPort && r.committedAt > lastOld).map((r) => r.committedAt),
  );
  return firstNew - lastOld;
}
