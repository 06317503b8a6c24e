import { addressList, baseConfigSchema } from '@rebound/service-defaults';
import { z } from 'zod';

const millis = z.coerce.number().int().min(1, 'expected a duration in ms (>= 1)');

/** The env contract plus what the saga needs: where its peers are and how long it keeps trying. */
export const ordersConfigSchema = baseConfigSchema.extend({
  INVENTORY_ADDRS: addressList,
  PAYMENTS_ADDRS: addressList,
  /** Bound on one downstream call (retries of idempotent calls included). */
  SAGA_CALL_TIMEOUT_MS: millis.default(2_000),
  /** How long a forward step keeps retrying a dependency that stays unavailable before the order is cancelled. */
  SAGA_STEP_DEADLINE_MS: millis.default(10_000),
  /** How long a compensation keeps retrying before it is left for recovery. */
  SAGA_COMPENSATION_DEADLINE_MS: millis.default(30_000),
});

export type OrdersConfig = z.infer<typeof ordersConfigSchema>;
