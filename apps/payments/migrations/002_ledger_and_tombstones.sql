-- Compensation leaves a tombstone: Refund of a payment id that was never charged (unknown, or a charge still in
-- flight) marks it VOIDED, so that a late or queued Charge with that id is refused and never takes money after
-- its order was cancelled. A tombstone for an id never seen knows no amount: amount 0 in 'XXX' (ISO 4217's "no
-- currency").
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check
  CHECK (status IN ('PENDING', 'CHARGED', 'REFUNDED', 'DECLINED', 'VOIDED'));
ALTER TABLE payments DROP CONSTRAINT payments_amount_minor_check;
ALTER TABLE payments ADD CONSTRAINT payments_amount_minor_check CHECK (amount_minor >= 0);

-- The call that holds a PENDING payment: only that call may settle it, so a call that was frozen or slow past a
-- takeover, or whose payment was voided meanwhile, cannot overwrite the outcome (its settle matches no row).
ALTER TABLE payments ADD COLUMN claim text;

-- The payments ledger: one row per money movement or decision, written in the same transaction as the payment's
-- state change, never updated. The money of an order is SUM(CHARGE) - SUM(REFUND) over its rows; VOID and
-- DECLINE move none. What auditors read (GET /admin/ledger), and what survives every restart.
CREATE TABLE payment_ledger (
  id bigserial PRIMARY KEY,
  payment_id text NOT NULL,
  order_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('CHARGE', 'REFUND', 'VOID', 'DECLINE')),
  amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
  currency text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_ledger_order ON payment_ledger (order_id, id);

-- Payments recorded before the ledger existed, as the ledger would have recorded them.
INSERT INTO payment_ledger (payment_id, order_id, kind, amount_minor, currency, recorded_at)
SELECT id, order_id, 'CHARGE', amount_minor, currency, created_at FROM payments WHERE status IN ('CHARGED', 'REFUNDED');
INSERT INTO payment_ledger (payment_id, order_id, kind, amount_minor, currency, recorded_at)
SELECT id, order_id, 'REFUND', amount_minor, currency, updated_at FROM payments WHERE status = 'REFUNDED';
INSERT INTO payment_ledger (payment_id, order_id, kind, amount_minor, currency, recorded_at)
SELECT id, order_id, 'DECLINE', amount_minor, currency, updated_at FROM payments WHERE status = 'DECLINED';
