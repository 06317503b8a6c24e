// The built gateway (`apps/gateway/dist/main.js`) as a process on free ports of 127.0.0.1, in front of an
// in-test catalog and an in-test orders (grpc-js servers implementing the generated definitions). Orders
// answers as the real one does at its edge, with two twists that exercise the client contract: every 3rd new
// order is PENDING until it is first read (the gateway answers 202), and every 4th new order is placed but
// its answer never comes (the gateway's deadline passes: 503 order_state_unknown; the re-send finds it).
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData, status } from '@grpc/grpc-js';
import { catalogV1, ordersV1 } from '@rebound/contracts';
import { freePort, type ServiceProcess, startServiceProcess } from '@rebound/testing';

const PRODUCTS: catalogV1.Product[] = [
  {
    id: 'p-duck',
    name: 'Rubber duck',
    description: 'Debugs code',
    price: { amountMinor: 500, currency: 'EUR' },
  },
  { id: 'p-mug', name: 'Mug', description: 'Holds coffee', price: { amountMinor: 1200, currency: 'EUR' } },
];

const grpcError = (code: status, details: string) => Object.assign(new Error(details), { code, details });

function unary<Req, Res>(handler: (call: ServerUnaryCall<Req, Res>) => Res | undefined) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    try {
      const answer = handler(call);
      if (answer !== undefined) callback(null, answer);
    } catch (error) {
      callback(error as Error);
    }
  };
}

async function listen(server: Server): Promise<string> {
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return `127.0.0.1:${port}`;
}

export interface GatewayWithFakes {
  /** `http://127.0.0.1:<HTTP_PORT>` */
  readonly url: string;
  readonly gateway: ServiceProcess;
  /** Orders placed, by id. */
  readonly orders: Map<string, ordersV1.Order>;
  stop(): Promise<void>;
}

export async function startGatewayWithFakes(env: Record<string, string> = {}): Promise<GatewayWithFakes> {
  const catalog = new Server();
  catalog.addService(catalogV1.CatalogServiceService, {
    listProducts: unary(() => ({ products: PRODUCTS, nextPageToken: '' })),
    getProduct: unary((call: ServerUnaryCall<catalogV1.GetProductRequest, catalogV1.GetProductResponse>) => {
      const product = PRODUCTS.find((candidate) => candidate.id === call.request.id);
      if (product === undefined) throw grpcError(status.NOT_FOUND, `no product ${call.request.id}`);
      return { product };
    }),
  });

  const orders = new Map<string, ordersV1.Order>();
  const byKey = new Map<string, { fingerprint: string; id: string }>();
  const server = new Server();
  server.addService(ordersV1.OrdersServiceService, {
    placeOrder: unary((call: ServerUnaryCall<ordersV1.PlaceOrderRequest, ordersV1.PlaceOrderResponse>) => {
      const request = call.request;
      const fingerprint = JSON.stringify(request.lines);
      const scoped = JSON.stringify([request.customerId, request.idempotencyKey]);
      const known = byKey.get(scoped);
      if (known !== undefined) {
        if (known.fingerprint !== fingerprint) {
          throw grpcError(status.FAILED_PRECONDITION, 'idempotency key reused with another request');
        }
        return { order: orders.get(known.id), replayed: true };
      }
      const sequence = orders.size + 1;
      const now = new Date().toISOString();
      const order: ordersV1.Order = {
        id: `o-${sequence}`,
        status: sequence % 3 === 0 ? 'ORDER_STATUS_PENDING' : 'ORDER_STATUS_CONFIRMED',
        lines: request.lines,
        total: { amountMinor: 0, currency: 'EUR' },
        cancellationReason: 'CANCELLATION_REASON_UNSPECIFIED',
        cancellationDetail: '',
        createdAt: now,
        updatedAt: now,
        customerId: request.customerId,
      };
      orders.set(order.id, order);
      byKey.set(scoped, { fingerprint, id: order.id });
      // Placed, but the answer never comes: the caller's deadline passes.
      if (sequence % 4 === 0) return undefined;
      return { order, replayed: false };
    }),
    getOrder: unary((call: ServerUnaryCall<ordersV1.GetOrderRequest, ordersV1.GetOrderResponse>) => {
      const order = orders.get(call.request.id);
      if (order === undefined || order.customerId !== call.request.customerId) {
        throw grpcError(status.NOT_FOUND, `no order with id ${call.request.id}`);
      }
      const answer = { order: { ...order } };
      // A PENDING order is CONFIRMED from its second read on (its saga finished meanwhile).
      if (order.status === 'ORDER_STATUS_PENDING') order.status = 'ORDER_STATUS_CONFIRMED';
      return answer;
    }),
  });

  const [catalogAddress, ordersAddress] = await Promise.all([listen(catalog), listen(server)]);
  const stopServers = () => {
    catalog.forceShutdown();
    server.forceShutdown();
  };
  try {
    const httpPort = await freePort();
    const gateway = await startServiceProcess({
      script: new URL('./main.js', import.meta.resolve('@rebound/gateway')).pathname,
      env: {
        SERVICE_NAME: 'gateway',
        HTTP_PORT: String(httpPort),
        CATALOG_ADDRS: catalogAddress,
        ORDERS_ADDRS: ordersAddress,
        SHUTDOWN_DRAIN_DELAY_MS: '0',
        // As the gateway's own suites: a busy 2-core box must not shed or time out requests of a suite
        // about something else.
        OVERLOAD_EVENT_LOOP_DELAY_MS: '10000',
        CATALOG_DEADLINE_MS: '5000',
        ...env,
      },
    });
    return {
      url: `http://127.0.0.1:${httpPort}`,
      gateway,
      orders,
      stop: async () => {
        stopServers();
        await gateway.stop();
      },
    };
  } catch (error) {
    stopServers();
    throw error;
  }
}
