import { addressList, baseConfigSchema } from '@rebound/service-defaults';
import { z } from 'zod';

const millis = z.coerce.number().int().min(1, 'expected a duration in ms (>= 1)');

/** The env contract plus what the saga needs: where its peers are and how long it keeps trying. */
export const ordersConfigSchema = baseConfigSchema.extend({
  INVENTORY_ADDRS: addressList,
  PAYMENTS_ADDRS: addressList,
  /** Bound on one attempt of a downstream call (an attempt without an answer is an unknown outcome). */
  SAGA_CALL_TIMEOUT_MS: millis.default(2_000),
  /**
   * How long a forward step waits out a dependency that does not answer (its outcome unknown, re-sent with the
   * same idempotency key) before the saga gives up and compensates: an outage shorter than this pauses the
   * checkout instead of cancelling it. Measured from the step's first unknown attempt, across restarts.
   */
  SAGA_PAUSE_BOUND_MS: millis.default(60_000),
  /**
   * How long PlaceOrder waits for the saga before answering with the order as it stands (PENDING), kept short
   * of the caller's deadline so the answer arrives in time: the gateway then answers 202 Accepted.
   */
  PLACE_ORDER_ANSWER_MARGIN_MS: millis.default(500),
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
