import { catalogV1, ordersV1 } from '@rebound/contracts';
import type { RpcClient, RpcClientHandle } from '@rebound/service-defaults';
import type { GatewayContext } from '../gateway.context.ts';

export type CatalogClient = RpcClient<typeof catalogV1.CatalogServiceService> & {
  readonly $rpc: RpcClientHandle;
};
export type OrdersClient = RpcClient<typeof ordersV1.OrdersServiceService> & {
  readonly $rpc: RpcClientHandle;
};

const READ_HEDGE = { minDelayMs: 50 } as const;

/** The gateway's outgoing gRPC clients, made once with their per-route deadlines (see docs/gateway.md). */
export class GatewayClients {
  readonly catalog: CatalogClient;
  readonly orders: OrdersClient;

  constructor(context: GatewayContext) {
    const { config, clients } = context;
    this.catalog = clients.create(catalogV1.CatalogServiceService, {
      target: config.CATALOG_ADDRS,
      methods: {
        // Hedged after the p95 of recent reads (at least 50 ms): a frozen replica costs a read that much.
        listProducts: { idempotent: true, timeoutMs: config.CATALOG_DEADLINE_MS, hedge: READ_HEDGE },
        getProduct: { idempotent: true, timeoutMs: config.CATALOG_DEADLINE_MS, hedge: READ_HEDGE },
      },
    });
    this.orders = clients.create(ordersV1.OrdersServiceService, {
      target: config.ORDERS_ADDRS,
      methods: {
        // Idempotent by its idempotency key, so a retry or a hedge on another replica cannot place a second
        // order. The hedge waits far past a normal checkout: it is for a replica frozen with the call, whose
        // order the other replica then reports as it stands (PENDING, finished by recovery) instead of a hang.
        placeOrder: {
          idempotent: true,
          timeoutMs: config.ORDERS_PLACE_DEADLINE_MS,
          hedge: { delayMs: config.ORDERS_PLACE_HEDGE_MS },
        },
        getOrder: { idempotent: true, timeoutMs: config.ORDERS_READ_DEADLINE_MS, hedge: READ_HEDGE },
      },
    });
  }

  /**
   * Nest's last lifecycle step, after the HTTP server has closed, i.e. after the drain answered every in-flight
   * request. Not `onModuleDestroy`: Nest runs that before it closes the server, which would take the channels away
   * from requests still in flight (a checkout priced from catalog at SIGTERM then failed to place its order).
   */
  onApplicationShutdown(): void {
    this.close();
  }

  close(): void {
    this.catalog.$rpc.close();
    this.orders.$rpc.close();
  }
}

export const GATEWAY_CLIENTS = Symbol('GATEWAY_CLIENTS');
