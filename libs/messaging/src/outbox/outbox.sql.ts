/**
 * The outbox table. Copy it into one of your service's numbered migrations (migrations are checksummed and
 * immutable, so do not interpolate this constant at run time). `id` orders rows; `message_key` is the aggregate id.
 */
export const OUTBOX_SQL = `CREATE TABLE IF NOT EXISTS outbox (
  id bigserial PRIMARY KEY,
  event_id text NOT NULL UNIQUE,
  topic text NOT NULL,
  message_key text NOT NULL,
  event_type text NOT NULL,
  payload text NOT NULL,
  headers jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_unsent ON outbox (id) WHERE sent_at IS NULL;`;

/**
 * The idempotent consumer's table: one row per (consumer, event id) applied, inserted in the handler's own
 * transaction. Copy it into a migration of every consuming service.
 */
export const PROCESSED_MESSAGES_SQL = `CREATE TABLE IF NOT EXISTS processed_messages (
  consumer text NOT NULL,
  event_id text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);`;
