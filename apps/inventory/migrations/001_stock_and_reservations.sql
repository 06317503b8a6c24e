-- Stock per product: available can never go below zero (the CHECK is the last line of defence; the
-- conditional UPDATE in reserve() is the first).
CREATE TABLE stock (
  product_id text PRIMARY KEY,
  available integer NOT NULL CHECK (available >= 0),
  reserved integer NOT NULL DEFAULT 0 CHECK (reserved >= 0)
);

-- One row per reservation id (the idempotency key). lines = [{ "productId", "quantity" }] sorted by product id.
-- A Release that arrives before its Reserve leaves a RELEASED row with no lines (a tombstone), so that a late
-- Reserve with the same id cannot hold stock forever.
CREATE TABLE reservations (
  id text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('RESERVED', 'RELEASED')),
  lines jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The catalog's products (apps/catalog/src/products/products.seed.ts), 100 units each.
INSERT INTO stock (product_id, available)
SELECT 'p-' || lpad(n::text, 3, '0'), 100 FROM generate_series(1, 12) AS n;
