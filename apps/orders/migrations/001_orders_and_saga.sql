-- Orders, idempotent by the client's idempotency key: the same key with the same request (request_hash) is
-- the same order; another request under a used key is refused.
CREATE TABLE orders (
  id text PRIMARY KEY,
  idempotency_key text NOT NULL UNIQUE,
  request_hash text NOT NULL,
  customer_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'CANCELLED')),
  lines jsonb NOT NULL,
  total_minor bigint NOT NULL CHECK (total_minor >= 0),
  currency text NOT NULL,
  cancellation_reason text NOT NULL DEFAULT 'CANCELLATION_REASON_UNSPECIFIED',
  cancellation_detail text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The checkout saga, one row per step and order, with its latest outcome: what a recovery worker reads to
-- resume a saga that a crash left half-done (next issue). seq orders the steps as they ran.
CREATE TABLE saga_steps (
  order_id text NOT NULL REFERENCES orders (id),
  step text NOT NULL CHECK (step IN ('reserve_stock', 'charge_payment', 'confirm_order', 'refund_payment', 'release_stock', 'cancel_order')),
  seq integer NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('STARTED', 'SUCCEEDED', 'FAILED', 'SKIPPED')),
  detail text NOT NULL DEFAULT '',
  attempts integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, step)
);

-- Order events written in the same transaction as the state change that caused them: a transactional outbox.
-- The relay to Kafka (orders.events) comes with the next issue and sets published_at.
CREATE TABLE outbox (
  event_id text PRIMARY KEY,
  order_id text NOT NULL,
  type text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (created_at) WHERE published_at IS NULL;
