import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inventoryV1, ordersV1 } from '@rebound/contracts';
import { createRpcClient } from '@rebound/rpc';
import {
  adminRequest,
  freePort,
  type ServiceProcess,
  startSagaServices,
  startServiceProcess,
  waitFor,
} from '@rebound/testing';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const app = (name: string) => join(root, 'apps', name, 'dist', 'main.js');
const brokerCli = join(root, 'infra', 'kafka-dev', 'dist', 'cli.js');

/** The dev broker as its own process, so it can be killed with SIGKILL and restarted on the same data. */
export class BrokerProcess {
  readonly port: number;
  readonly #dataDir: string;
  #child: ChildProcess | undefined;

  constructor(port: number, dataDir: string) {
    this.port = port;
    this.#dataDir = dataDir;
  }

  async start(): Promise<void> {
    const child = spawn(
      process.execPath,
      [brokerCli, '--port', String(this.port), '--data-dir', this.#dataDir, '--metrics-port', 'off'],
      { stdio: 'ignore' },
    );
    this.#child = child;
    await waitFor(() => canConnect(this.port), { timeoutMs: 30_000, description: 'kafka-dev listening' });
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface Platform {
  readonly broker: BrokerProcess;
  inventory: ServiceProcess;
  payments: ServiceProcess;
  notifications: ServiceProcess;
  orders: ServiceProcess;
  readonly ordersClient: ReturnType<typeof createRpcClient<typeof ordersV1.OrdersServiceService>>;
  readonly inventoryClient: ReturnType<typeof createRpcClient<typeof inventoryV1.InventoryServiceService>>;
  /** Starts orders again on the same ports and data (after a kill). */
  restartOrders(): Promise<void>;
  restartNotifications(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The shop minus catalog and gateway, with the dev broker: one per test file. Each service has its own database
 * on the test process's embedded PostgreSQL (`startServiceProcess` hands it `<SERVICE>_DATABASE_URL`), unless
 * `envOf(service)` gives it another (the replicated PostgreSQL of infra/local in failover.test.ts).
 */
export async function startPlatform(
  dir: string,
  envOf: (service: string) => Readonly<Record<string, string>> = () => ({}),
): Promise<Platform> {
  const broker = new BrokerProcess(await freePort(), join(dir, 'kafka'));
  await broker.start();
  const kafka = { KAFKA_BROKERS: `127.0.0.1:${broker.port}` };
  const { inventory, payments } = await startSagaServices(app, dir, envOf);
  const notificationsEnv = {
    SERVICE_NAME: 'notifications',
    DATA_DIR: join(dir, 'notifications'),
    GRPC_PORT: String(await freePort()),
    ADMIN_PORT: String(await freePort()),
    ...kafka,
    ...envOf('notifications'),
  };
  const ordersEnv = {
    SERVICE_NAME: 'orders',
    DATA_DIR: join(dir, 'orders'),
    GRPC_PORT: String(await freePort()),
    ADMIN_PORT: String(await freePort()),
    INVENTORY_ADDRS: inventory.address,
    PAYMENTS_ADDRS: payments.address,
    SAGA_CALL_TIMEOUT_MS: '2000',
    SAGA_PAUSE_BOUND_MS: '6000',
    RECOVERY_STALE_AFTER_MS: '3000',
    RECOVERY_INTERVAL_MS: '500',
    RECOVERY_LEASE_MS: '3000',
    ...kafka,
    ...envOf('orders'),
  };
  const startOrders = () =>
    startServiceProcess({ script: app('orders'), env: ordersEnv, readyTimeoutMs: 120_000 });
  const startNotifications = () =>
    startServiceProcess({ script: app('notifications'), env: notificationsEnv, readyTimeoutMs: 120_000 });
  const [notifications, orders] = await Promise.all([startNotifications(), startOrders()]);
  const options = { defaults: { breaker: false as const, timeoutMs: 20_000 } };
  const platform: Platform = {
    broker,
    inventory,
    payments,
    notifications,
    orders,
    ordersClient: createRpcClient(ordersV1.OrdersServiceService, { target: orders.address, ...options }),
    inventoryClient: createRpcClient(inventoryV1.InventoryServiceService, {
      target: inventory.address,
      ...options,
    }),
    async restartOrders() {
      platform.orders = await startOrders();
    },
    async restartNotifications() {
      platform.notifications = await startNotifications();
    },
    async close() {
      platform.ordersClient.$rpc.close();
      platform.inventoryClient.$rpc.close();
      await Promise.all([platform.orders.stop(), platform.notifications.stop()]);
      await Promise.all([inventory.stop(), payments.stop(), broker.stop()]);
    },
  };
  return platform;
}

/** `POST /admin/processor` on payments (e.g. `{ failureRate: 0.5 }`). */
export async function setProcessor(
  payments: ServiceProcess,
  settings: Record<string, unknown>,
): Promise<void> {
  const { status } = await adminRequest(payments.adminUrl, 'POST', '/admin/processor', settings);
  if (status !== 200) throw new Error(`POST /admin/processor answered ${status}`);
}
