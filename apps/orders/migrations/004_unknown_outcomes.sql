-- A step whose call timed out or found its dependency unavailable has an UNKNOWN outcome (it may or may not have
-- taken effect), not a failure: the saga re-sends the same idempotent request until it gets an answer, pausing up
-- to a bound measured from unknown_since (so a restarted orchestrator keeps the same bound), and compensates only
-- after that, with compensations that leave tombstones.
ALTER TABLE saga_steps DROP CONSTRAINT saga_steps_outcome_check;
ALTER TABLE saga_steps ADD CONSTRAINT saga_steps_outcome_check
  CHECK (outcome IN ('STARTED', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'UNKNOWN'));
ALTER TABLE saga_steps ADD COLUMN unknown_since timestamptz;
