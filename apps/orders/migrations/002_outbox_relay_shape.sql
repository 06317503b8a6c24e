-- The outbox in the shape libs/messaging's relay reads (OUTBOX_SQL): a bigserial id giving publish order, the
-- topic, the Kafka key (the order id), the event type, the serialized event as text, headers (trace context)
-- and sent_at. Rows written under 001 are kept, in creation order, on orders.events.
ALTER TABLE outbox RENAME COLUMN order_id TO message_key;
ALTER TABLE outbox RENAME COLUMN type TO event_type;
ALTER TABLE outbox RENAME COLUMN published_at TO sent_at;
ALTER TABLE outbox ALTER COLUMN payload TYPE text USING payload::text;
ALTER TABLE outbox ADD COLUMN topic text NOT NULL DEFAULT 'orders.events';
ALTER TABLE outbox ALTER COLUMN topic DROP DEFAULT;
ALTER TABLE outbox ADD COLUMN headers jsonb NOT NULL DEFAULT '{}';
ALTER TABLE outbox DROP CONSTRAINT outbox_pkey;
ALTER TABLE outbox ADD COLUMN id bigserial;
ALTER TABLE outbox ADD PRIMARY KEY (id);
ALTER TABLE outbox ADD CONSTRAINT outbox_event_id_key UNIQUE (event_id);
DROP INDEX outbox_unpublished;
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- A saga being driven by a live request or a recovery worker refreshes its heartbeat at every step; the
-- recovery worker resumes only PENDING orders whose heartbeat is older than its staleness threshold.
ALTER TABLE orders ADD COLUMN saga_heartbeat timestamptz NOT NULL DEFAULT now();
CREATE INDEX orders_pending ON orders (saga_heartbeat) WHERE status = 'PENDING';
