// In-test gRPC servers implementing the generated catalog and orders definitions on 127.0.0.1 (real sockets),
// with knobs to make them fail or hang, and the grpc.health.v1 Check method the console status reads.
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData, status } from '@grpc/grpc-js';
import { catalogV1, ordersV1 } from '@rebound/contracts';

export type Mode = 'ok' | 'fail' | 'hang';

const healthDefinition = {
  Check: {
    path: '/grpc.health.v1.Health/Check',
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: (value: Buffer) => value,
    responseDeserialize: (bytes: Buffer) => bytes,
  },
};

export const PRODUCTS: catalogV1.Product[] = [
  {
    id: 'p-duck',
    name: 'Rubber duck',
    description: 'Debugs code',
    price: { amountMinor: 500, currency: 'EUR' },
  },
  { id: 'p-mug', name: 'Mug', description: 'Holds coffee', price: { amountMinor: 1200, currency: 'EUR' } },
];

export interface FakeServer {
  readonly address: string;
  /** How every method answers, unless `modes` says otherwise for it. */
  mode: Mode;
  /** Per-method override of `mode` (`modes.set('listProducts', 'hang')`). */
  readonly modes: Map<string, Mode>;
  /** Calls received per method name. */
  readonly calls: Map<string, number>;
  /** `x-request-id` metadata of the last call. */
  readonly lastRequestId: () => string | undefined;
  /** Answers every hung call normally now. */
  releaseHung(): void;
  stop(): Promise<void>;
}

interface FakeState {
  mode: Mode;
  readonly modes: Map<string, Mode>;
  readonly calls: Map<string, number>;
  readonly hung: Set<(answer: boolean) => void>;
  lastRequestId: string | undefined;
}

async function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
}

function gate<Req, Res>(fake: FakeState, name: string, handler: (request: Req) => Res) {
  const answer = (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    try {
      callback(null, handler(call.request));
    } catch (error) {
      callback(error as Error);
    }
  };
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    fake.calls.set(name, (fake.calls.get(name) ?? 0) + 1);
    const requestId = call.metadata.get('x-request-id')[0];
    fake.lastRequestId = requestId === undefined ? undefined : String(requestId);
    const mode = fake.modes.get(name) ?? fake.mode;
    if (mode === 'fail') return callback({ code: status.INTERNAL, details: 'injected failure' });
    if (mode === 'hang') {
      // Answers only when the test releases it (or cancelled at stop, so that the server can shut down).
      const release = (ok: boolean) =>
        ok ? answer(call, callback) : callback({ code: status.CANCELLED, details: 'stopped' });
      fake.hung.add(release);
      call.on('cancelled', () => fake.hung.delete(release));
      return;
    }
    answer(call, callback);
  };
}

async function start(add: (server: Server, fake: FakeState) => void, port?: number): Promise<FakeServer> {
  const server = new Server();
  const state: FakeState = {
    mode: 'ok',
    modes: new Map(),
    calls: new Map(),
    hung: new Set(),
    lastRequestId: undefined,
  };
  add(server, state);
  server.addService(healthDefinition, {
    Check: (_call: unknown, callback: sendUnaryData<Buffer>) => callback(null, Buffer.from([0x08, 0x01])),
  });
  const bound = await listen(server, port);
  return {
    address: `127.0.0.1:${bound}`,
    get mode() {
      return state.mode;
    },
    set mode(value: Mode) {
      state.mode = value;
    },
    modes: state.modes,
    calls: state.calls,
    lastRequestId: () => state.lastRequestId,
    releaseHung: () => {
      for (const release of state.hung) release(true);
      state.hung.clear();
    },
    stop: async () => {
      for (const release of state.hung) release(false);
      state.hung.clear();
      server.forceShutdown();
    },
  };
}

export function startFakeCatalog(port?: number): Promise<FakeServer> {
  return start((server, fake) => {
    server.addService(catalogV1.CatalogServiceService, {
      listProducts: gate(fake, 'listProducts', () => ({ products: PRODUCTS, nextPageToken: '' })),
      getProduct: gate(fake, 'getProduct', (request: catalogV1.GetProductRequest) => {
        const product = PRODUCTS.find((candidate) => candidate.id === request.id);
        if (product === undefined)
          throw Object.assign(new Error('no product'), {
            code: status.NOT_FOUND,
            details: `no product ${request.id}`,
          });
        return { product };
      }),
    });
  }, port);
}

/**
 * Orders as the real service behaves at its edge: idempotent by (customer, key), FAILED_PRECONDITION on another
 * body; GetOrder with a customerId finds only that customer's orders (NOT_FOUND otherwise, as for a missing id).
 */
export interface FakeOrdersServer extends FakeServer {
  /** Every order placed, by id. */
  readonly orders: Map<string, ordersV1.Order>;
  /**
   * Answers GetOrder as an orders release older than ownership did: any order to anyone, without its
   * customerId (what a gateway may meet during a rollout).
   */
  legacyGetOrder: boolean;
  /** New orders are answered PENDING (a saga still running at the deadline) while this is true. */
  pendingNew: boolean;
}

export function startFakeOrders(port?: number): Promise<FakeOrdersServer> {
  const orders = new Map<string, ordersV1.Order>();
  const legacy = { getOrder: false, pendingNew: false };
  const byKey = new Map<string, { request: string; order: ordersV1.Order }>();
  return start((server, fake) => {
    server.addService(ordersV1.OrdersServiceService, {
      placeOrder: gate(fake, 'placeOrder', (request: ordersV1.PlaceOrderRequest) => {
        const fingerprint = JSON.stringify(request);
        const scoped = JSON.stringify([request.customerId, request.idempotencyKey]);
        const known = byKey.get(scoped);
        if (known !== undefined) {
          if (known.request !== fingerprint) {
            throw Object.assign(new Error('key reused'), {
              code: status.FAILED_PRECONDITION,
              details: 'idempotency key reused with another request',
            });
          }
          return { order: orders.get(known.order.id) ?? known.order, replayed: true };
        }
        const now = new Date().toISOString();
        const total = request.lines.reduce(
          (sum, line) => sum + (line.unitPrice?.amountMinor ?? 0) * line.quantity,
          0,
        );
        const order: ordersV1.Order = {
          id: `o-${orders.size + 1}`,
          status: legacy.pendingNew ? 'ORDER_STATUS_PENDING' : 'ORDER_STATUS_CONFIRMED',
          lines: request.lines,
          total: { amountMinor: total, currency: 'EUR' },
          cancellationReason: 'CANCELLATION_REASON_UNSPECIFIED',
          cancellationDetail: '',
          createdAt: now,
          updatedAt: now,
          customerId: request.customerId,
        };
        orders.set(order.id, order);
        byKey.set(scoped, { request: fingerprint, order });
        return { order, replayed: false };
      }),
      getOrder: gate(fake, 'getOrder', (request: ordersV1.GetOrderRequest) => {
        const found = orders.get(request.id);
        if (legacy.getOrder && found !== undefined) return { order: { ...found, customerId: '' } };
        const order =
          request.customerId === undefined || found?.customerId === request.customerId ? found : undefined;
        if (order === undefined)
          throw Object.assign(new Error('no order'), {
            code: status.NOT_FOUND,
            details: `no order with id ${request.id}`,
          });
        return { order };
      }),
    });
  }, port).then(
    (fake): FakeOrdersServer =>
      Object.defineProperties(Object.assign(fake, { orders, legacyGetOrder: false, pendingNew: false }), {
        legacyGetOrder: {
          get: () => legacy.getOrder,
          set: (value: boolean) => {
            legacy.getOrder = value;
          },
        },
        pendingNew: {
          get: () => legacy.pendingNew,
          set: (value: boolean) => {
            legacy.pendingNew = value;
          },
        },
      }),
  );
}
