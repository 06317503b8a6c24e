import { catalogV1, ordersV1 } from '@rebound/contracts';
import { createRpcClient, type RpcClient, type RpcClientHandle } from '@rebound/rpc';
import type { GatewayContext } from '../gateway-context.ts';
import { createRpcRedMetrics } from './rpc-metrics.ts';

export type CatalogClient = RpcClient<typeof catalogV1.CatalogServiceService> & {
  readonly $rpc: RpcClientHandle;
};
export type OrdersClient = RpcClient<typeof ordersV1.OrdersServiceService> & {
  readonly $rpc: RpcClientHandle;
};

/** The gateway's outgoing gRPC clients, made once with their per-route deadlines (see docs/gateway.md). */
export class GatewayClients {
  readonly catalog: CatalogClient;
  readonly orders: OrdersClient;

  constructor(context: GatewayContext) {
    const { config } = context;
    const metrics = createRpcRedMetrics(context.registry);
    this.catalog = createRpcClient(catalogV1.CatalogServiceService, {
      target: config.CATALOG_ADDRS,
      metrics,
      methods: {
        listProducts: { idempotent: true, timeoutMs: config.CATALOG_DEADLINE_MS },
        getProduct: { idempotent: true, timeoutMs: config.CATALOG_DEADLINE_MS },
      },
    });
    this.orders = createRpcClient(ordersV1.OrdersServiceService, {
      target: config.ORDERS_ADDRS,
      metrics,
      methods: {
        // Idempotent by its idempotency key, so a retry on another replica cannot place a second order.
        placeOrder: { idempotent: true, timeoutMs: config.ORDERS_PLACE_DEADLINE_MS },
        getOrder: { idempotent: true, timeoutMs: config.ORDERS_READ_DEADLINE_MS },
      },
    });
  }

  onModuleDestroy(): void {
    this.close();
  }

  close(): void {
    this.catalog.$rpc.close();
    this.orders.$rpc.close();
  }
}

export const GATEWAY_CLIENTS = Symbol('GATEWAY_CLIENTS');
