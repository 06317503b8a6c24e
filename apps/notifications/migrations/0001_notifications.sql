-- One notification per order and kind: the primary key makes a second one impossible even if an event
-- with a new event id said the same thing twice.
CREATE TABLE notifications (
  order_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('ORDER_CONFIRMED', 'ORDER_CANCELLED')),
  event_id text NOT NULL,
  detail text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, kind)
);

-- The idempotent consumer's record of applied events (libs/messaging PROCESSED_MESSAGES_SQL).
CREATE TABLE IF NOT EXISTS processed_messages (
  consumer text NOT NULL,
  event_id text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
