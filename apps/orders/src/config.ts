import { addressList, baseConfigSchema } from '@rebound/service-defaults';
import { z } from 'zod';

const millis = z.coerce.number().int().min(1, 'expected a duration in ms (>= 1)');

/** The env contract plus what the saga needs: where its peers are and how long it keeps trying. */
export const ordersConfigSchema = baseConfigSchema.extend({
  INVENTORY_ADDRS: addressList,
  PAYMENTS_ADDRS: addressList,
  /** Bound on one downstream call (retries of idempotent calls included). */
  SAGA_CALL_TIMEOUT_MS: millis.default(2_000),
  /**
   * How long a forward step keeps retrying a dependency that stays unavailable before the order is cancelled.
   * Kept well under the gateway's `ORDERS_PLACE_DEADLINE_MS` (8 s), so that a client waiting on a failing
   * dependency hears CANCELLED (the step's give-up plus a quick compensation) rather than a gateway timeout.
   */
  SAGA_STEP_DEADLINE_MS: millis.default(3_000),
  /** How long a compensation keeps retrying before it is left for recovery. */
  SAGA_COMPENSATION_DEADLINE_MS: millis.default(30_000),
  /**
   * A PENDING saga whose heartbeat (refreshed at every step) is older than this is resumed by the recovery
   * worker: longer than the longest gap between two steps of a live saga (call timeout + backoff).
   */
  RECOVERY_STALE_AFTER_MS: millis.default(15_000),
  /** How often the leader looks for stalled sagas. */
  RECOVERY_INTERVAL_MS: millis.default(5_000),
  /** The recovery worker's leader lease (a crashed leader is replaced within about this long). */
  RECOVERY_LEASE_MS: millis.default(10_000),
});

export type OrdersConfig = z.infer<typeof ordersConfigSchema>;
