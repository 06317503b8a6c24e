import pg from 'pg';

/** How far before the newest restored `sent_at` the outbox is published again after a restore. */
export const OUTBOX_REPLAY_WINDOW_SECONDS = 300;

/**
 * After a restore, the Kafka topics and the consumer groups' committed offsets are newer than the databases: a
 * consumer may have committed the offset of an event whose effect (its row, its dedup record) the restore took
 * back, and Kafka never delivers that event again. So the tail of every transactional outbox (libs/messaging's
 * `outbox` table, in the service's schema of the service's database) is marked unsent again: the relays publish
 * it once more, with the same event ids, and the idempotent consumers apply what they lost and skip the rest.
 * Returns the rows marked per database; a database without an outbox is skipped.
 */
export async function replayOutboxTail(options: {
  /** `postgres://postgres:<password>@127.0.0.1:<primary port>` (no database). */
  readonly superuserUrl: string;
  readonly databases: readonly string[];
  readonly windowSeconds?: number;
}): Promise<Record<string, number>> {
  const replayed: Record<string, number> = {};
  for (const database of options.databases) {
    const client = new pg.Client({
      connectionString: `${options.superuserUrl}/${database}`,
      connectionTimeoutMillis: 5_000,
    });
    client.on('error', () => {});
    await client.connect();
    try {
      const table = `${client.escapeIdentifier(database)}.outbox`;
      const exists = await client.query<{ found: string | null }>('SELECT to_regclass($1) AS found', [
        `${database}.outbox`,
      ]);
      if (!exists.rows[0]?.found) continue;
      const { rowCount } = await client.query(
        `UPDATE ${table} SET sent_at = NULL WHERE sent_at >= (SELECT max(sent_at) FROM ${table}) - make_interval(secs => $1)`,
        [options.windowSeconds ?? OUTBOX_REPLAY_WINDOW_SECONDS],
      );
      replayed[database] = rowCount ?? 0;
    } finally {
      await client.end().catch(() => {});
    }
  }
  return replayed;
}
