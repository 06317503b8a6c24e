-- One row per payment id (the caller's idempotency key). PENDING while the processor is being asked; a
-- PENDING row older than the takeover age is treated as abandoned (its process died mid-call).
CREATE TABLE payments (
  id text PRIMARY KEY,
  order_id text NOT NULL,
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  status text NOT NULL CHECK (status IN ('PENDING', 'CHARGED', 'REFUNDED', 'DECLINED')),
  detail text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
