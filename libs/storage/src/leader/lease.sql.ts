/** The table holding one row per lease: who holds it, its fencing token and when it expires (database time). */
export const LEADER_LEASES_TABLE = 'leader_leases';

/**
 * DDL for the lease table. `electLeader` runs it itself (idempotent, serialised by an advisory lock); include it
 * in a service migration instead if the runtime role may not create tables.
 */
export const LEADER_LEASES_SQL = `CREATE TABLE IF NOT EXISTS ${LEADER_LEASES_TABLE} (
  name text PRIMARY KEY,
  holder text NOT NULL,
  token bigint NOT NULL,
  expires_at timestamptz NOT NULL
)`;

/**
 * Takes the lease when it is free or expired: a new holder always gets `token + 1` (monotonic per acquisition),
 * even when the same replica re-acquires after losing it. Returns no row when someone else holds a live lease.
 */
export const ACQUIRE_SQL = `INSERT INTO ${LEADER_LEASES_TABLE} AS l (name, holder, token, expires_at)
VALUES ($1, $2, 1, now() + $3 * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE
  SET holder = excluded.holder, token = l.token + 1, expires_at = excluded.expires_at
  WHERE l.expires_at <= now()
RETURNING token`;

/** Extends a live lease we hold under the same token; no row = lost (expired and taken, or released). */
export const RENEW_SQL = `UPDATE ${LEADER_LEASES_TABLE}
SET expires_at = now() + $4 * interval '1 millisecond'
WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > now()
RETURNING token`;

/** Gives the lease up at once (the token stays, so the next holder gets a higher one). */
export const RELEASE_SQL = `UPDATE ${LEADER_LEASES_TABLE} SET expires_at = now()
WHERE name = $1 AND holder = $2 AND token = $3`;

/**
 * The fencing check: locks the lease row FOR SHARE inside the caller's transaction, so a new acquisition (which
 * must UPDATE the row) waits until this transaction ends, and returns a row only while `token` is current.
 */
export const FENCE_SQL = `SELECT token FROM ${LEADER_LEASES_TABLE} WHERE name = $1 AND token = $2 FOR SHARE`;
