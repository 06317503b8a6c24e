import { Module } from '@nestjs/common';
import { inventoryV1, paymentsV1 } from '@rebound/contracts';
import { RPC_CLIENTS, type RpcClient, type RpcClients, SERVICE_CONFIG } from '@rebound/service-defaults';
import type { OrdersConfig } from '../orders.config.ts';

export const INVENTORY_CLIENT = Symbol.for('rebound.orders.inventory-client');
export const PAYMENTS_CLIENT = Symbol.for('rebound.orders.payments-client');

export type InventoryClient = RpcClient<typeof inventoryV1.InventoryServiceService>;
export type PaymentsClient = RpcClient<typeof paymentsV1.PaymentsServiceService>;

/**
 * The saga's clients. Every method here is idempotent by the key the saga derives from the order id
 * (reservation id, payment id), and the saga's step runner is the one layer that re-sends them (it knows the
 * step's outcome is unknown and for how long): the clients make one attempt each, with its deadline, breaker and
 * replica choice (a re-send goes to the next replica; outlier ejection takes a dead one out). An attempt still
 * unanswered after the p95 of recent ones (at least 50 ms) is hedged on another replica, so a frozen replica
 * costs a step that much instead of its whole deadline, and the sagas it held do not pile up here.
 */
const sagaCall = (config: OrdersConfig) =>
  ({
    idempotent: true,
    retry: false,
    timeoutMs: config.SAGA_CALL_TIMEOUT_MS,
    hedge: { minDelayMs: 50 },
  }) as const;

@Module({
  providers: [
    {
      provide: INVENTORY_CLIENT,
      inject: [RPC_CLIENTS, SERVICE_CONFIG],
      useFactory: (clients: RpcClients, config: OrdersConfig) =>
        clients.create(inventoryV1.InventoryServiceService, {
          target: config.INVENTORY_ADDRS,
          defaults: sagaCall(config),
        }),
    },
    {
      provide: PAYMENTS_CLIENT,
      inject: [RPC_CLIENTS, SERVICE_CONFIG],
      useFactory: (clients: RpcClients, config: OrdersConfig) =>
        clients.create(paymentsV1.PaymentsServiceService, {
          target: config.PAYMENTS_ADDRS,
          defaults: sagaCall(config),
        }),
    },
  ],
  exports: [INVENTORY_CLIENT, PAYMENTS_CLIENT],
})
export class DownstreamModule {}
