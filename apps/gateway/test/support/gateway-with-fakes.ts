// The setup most gateway suites share: a fake catalog and a fake orders gRPC server on 127.0.0.1, and the built
// gateway pointed at them; torn down together however the suite ends.
import { after, before } from 'node:test';
import { type FakeServer, startFakeCatalog, startFakeOrders } from './fake-services.ts';
import { type GatewayProcess, startGateway } from './gateway-process.ts';

export type FakeOrders = Awaited<ReturnType<typeof startFakeOrders>>;

export interface GatewayWithFakes {
  readonly catalog: FakeServer;
  readonly orders: FakeOrders;
  readonly gateway: GatewayProcess;
}

interface Stoppable {
  stop(): Promise<unknown>;
}

/**
 * Stops resources group by group, each group at once, and tries every one even when some fail; the failures
 * are thrown together at the end. Put the servers a process calls before the process: a fake that stops
 * answers its hung calls first, so the process finds nothing in flight when it drains (a gateway receiving
 * SIGTERM while a request hangs on a fake waits for it up to its drain timeout, 10 s).
 */
export async function stopInOrder(...groups: readonly (readonly (Stoppable | undefined)[])[]): Promise<void> {
  const errors: unknown[] = [];
  for (const group of groups) {
    const results = await Promise.allSettled(group.map((resource) => resource?.stop()));
    for (const result of results) if (result.status === 'rejected') errors.push(result.reason);
  }
  if (errors.length > 0) throw new AggregateError(errors, 'teardown failed');
}

/**
 * Starts both fakes, then the gateway with `CATALOG_ADDRS` and `ORDERS_ADDRS` pointing at them (plus `env`).
 * If any start fails, what did start is stopped before the error is thrown, so nothing is left running.
 */
export async function startGatewayWithFakes(
  env: Record<string, string> = {},
): Promise<GatewayWithFakes & Stoppable> {
  const [catalogStart, ordersStart] = await Promise.allSettled([startFakeCatalog(), startFakeOrders()]);
  try {
    if (catalogStart.status === 'rejected') throw catalogStart.reason;
    if (ordersStart.status === 'rejected') throw ordersStart.reason;
    const started = {
      catalog: catalogStart.value,
      orders: ordersStart.value,
      gateway: await startGateway({
        CATALOG_ADDRS: catalogStart.value.address,
        ORDERS_ADDRS: ordersStart.value.address,
        ...env,
      }),
    };
    return {
      ...started,
      stop: () => stopInOrder([started.catalog, started.orders], [started.gateway]),
    };
  } catch (error) {
    const fakes = [catalogStart, ordersStart].map((start) =>
      start.status === 'fulfilled' ? start.value : undefined,
    );
    await stopInOrder(fakes).catch(() => undefined);
    throw error;
  }
}

/**
 * Declares the shared setup in the enclosing `describe`: a `before` hook starts it and an `after` hook stops
 * it, which node:test runs even when a test or the `before` hook failed. Read the parts inside tests
 * (`shop.gateway.url`); they throw if read before the hook has run.
 */
export function gatewayWithFakes(env: Record<string, string> = {}): GatewayWithFakes {
  let started: (GatewayWithFakes & Stoppable) | undefined;
  before(async () => {
    started = await startGatewayWithFakes(env);
  });
  after(async () => {
    await started?.stop();
  });
  const get = (): GatewayWithFakes => {
    if (started === undefined) throw new Error('gatewayWithFakes: read before its before hook started it');
    return started;
  };
  return {
    get catalog() {
      return get().catalog;
    },
    get orders() {
      return get().orders;
    },
    get gateway() {
      return get().gateway;
    },
  };
}
