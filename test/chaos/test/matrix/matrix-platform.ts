import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ordersV1 } from '@rebound/contracts';
import { createRpcClient } from '@rebound/rpc';
import {
  adminRequest,
  freePort,
  type PostgresServer,
  type ServiceProcess,
  startPostgres,
  startServiceProcess,
} from '@rebound/testing';
import { BrokerProcess } from '../platform.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const app = (name: string) => join(root, 'apps', name, 'dist', 'main.js');

/**
 * The pause bound the matrix runs orders with: long enough for a 5 s outage plus the breaker's 5 s open window
 * after it (a dependency is only tried again when the breaker lets a probe through), short enough to test past it.
 */
export const PAUSE_BOUND_MS = 15_000;
/** The saga's per-attempt deadline: a frozen participant is "past the caller's deadline" after this. */
export const CALL_TIMEOUT_MS = 1_500;

export type ServiceName = 'orders' | 'inventory' | 'payments' | 'notifications';

/**
 * One replica of a service: a real process on fixed ports, so that it can be killed (SIGKILL), frozen
 * (SIGSTOP/SIGCONT) and started again on the same address, as a supervisor would.
 */
export class Replica {
  process!: ServiceProcess;
  readonly name: string;
  readonly #env: Record<string, string>;
  readonly #service: ServiceName;

  constructor(service: ServiceName, index: number, env: Record<string, string>) {
    this.#service = service;
    this.name = `${service}-${index}`;
    this.#env = env;
  }

  get address(): string {
    return `127.0.0.1:${this.#env.GRPC_PORT}`;
  }

  get adminUrl(): string {
    return `http://127.0.0.1:${this.#env.ADMIN_PORT}`;
  }

  async start(): Promise<void> {
    this.process = await startServiceProcess({
      script: app(this.#service),
      env: this.#env,
      readyTimeoutMs: 120_000,
    });
  }

  async kill(): Promise<void> {
    this.process.child.kill('SIGKILL');
    await this.process.exited;
  }

  freeze(): void {
    this.process.child.kill('SIGSTOP');
  }

  thaw(): void {
    this.process.child.kill('SIGCONT');
  }

  /** False once the process has exited (crashed or killed and not started again). */
  get alive(): boolean {
    return this.process.child.exitCode === null && this.process.child.signalCode === null;
  }

  stop(): Promise<number | string> {
    this.thaw();
    return this.process.stop();
  }
}

export interface MatrixPlatform {
  readonly broker: BrokerProcess;
  /** One PostgreSQL server per participant, so that one participant's database can go down alone. */
  readonly databases: Readonly<Record<'orders' | 'inventory' | 'payments', PostgresServer>>;
  readonly replicas: Readonly<Record<ServiceName, readonly Replica[]>>;
  readonly orders: ReturnType<typeof createRpcClient<typeof ordersV1.OrdersServiceService>>;
  /** `POST /admin/saga-hold` on every orders replica. */
  hold(at: string | null): Promise<void>;
  /** Sagas waiting at the hold, over every orders replica. */
  held(): Promise<number>;
  /** Every replica that exited without being asked to, with the end of its output. */
  crashed(): string[];
  close(): Promise<void>;
}

async function envOf(service: ServiceName, extra: Record<string, string>): Promise<Record<string, string>> {
  return {
    SERVICE_NAME: service,
    GRPC_PORT: String(await freePort()),
    ADMIN_PORT: String(await freePort()),
    ...extra,
  };
}

/**
 * The shop minus catalog and gateway, redundant: two replicas each of orders, inventory and payments, one of
 * notifications, the dev broker, and a PostgreSQL server each for orders (and notifications), inventory and
 * payments.
 */
export async function startMatrixPlatform(): Promise<MatrixPlatform> {
  const dir = await mkdtemp(join(tmpdir(), 'rebound-matrix-'));
  const [ordersDb, inventoryDb, paymentsDb] = await Promise.all([
    startPostgres(),
    startPostgres(),
    startPostgres(),
  ]);
  const broker = new BrokerProcess(await freePort(), join(dir, 'kafka'));
  await broker.start();
  const kafka = { KAFKA_BROKERS: `127.0.0.1:${broker.port}` };
  const pair = async (service: ServiceName, extra: Record<string, string>) => [
    new Replica(service, 0, await envOf(service, extra)),
    new Replica(service, 1, await envOf(service, extra)),
  ];
  const inventory = await pair('inventory', { INVENTORY_DATABASE_URL: inventoryDb.url });
  const payments = await pair('payments', { PAYMENTS_DATABASE_URL: paymentsDb.url });
  // One after the other within a service: both replicas migrate the same schema.
  for (const replica of [...inventory, ...payments]) await replica.start();
  const orders = await pair('orders', {
    ORDERS_DATABASE_URL: ordersDb.url,
    INVENTORY_ADDRS: inventory.map((replica) => replica.address).join(','),
    PAYMENTS_ADDRS: payments.map((replica) => replica.address).join(','),
    SAGA_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS),
    SAGA_PAUSE_BOUND_MS: String(PAUSE_BOUND_MS),
    // Longer than a saga waits at the hold before the fault releases it: a held saga is a live one.
    RECOVERY_STALE_AFTER_MS: '10000',
    RECOVERY_INTERVAL_MS: '500',
    RECOVERY_LEASE_MS: '3000',
    ...kafka,
  });
  const notifications = [
    new Replica(
      'notifications',
      0,
      await envOf('notifications', { NOTIFICATIONS_DATABASE_URL: ordersDb.url, ...kafka }),
    ),
  ];
  for (const replica of [...orders, ...notifications]) await replica.start();
  const client = createRpcClient(ordersV1.OrdersServiceService, {
    target: orders.map((replica) => replica.address),
    defaults: { breaker: false, retry: false, timeoutMs: 10_000 },
  });
  const replicas = { orders, inventory, payments, notifications };
  return {
    broker,
    databases: { orders: ordersDb, inventory: inventoryDb, payments: paymentsDb },
    replicas,
    orders: client,
    async hold(at) {
      for (const replica of orders) {
        if (!replica.alive) continue;
        const body = at === null ? undefined : { at, maxMs: 30_000 };
        const method = at === null ? 'DELETE' : 'POST';
        const { status } = await adminRequest(replica.adminUrl, method, '/admin/saga-hold', body);
        if (status !== 200) throw new Error(`saga-hold on ${replica.name} answered ${status}`);
      }
    },
    async held() {
      let total = 0;
      for (const replica of orders) {
        const { json } = await adminRequest(replica.adminUrl, 'GET', '/admin/saga-hold').catch(() => ({
          json: {},
        }));
        total += Number((json as { held?: number }).held ?? 0);
      }
      return total;
    },
    crashed() {
      return Object.values(replicas)
        .flat()
        .filter((replica) => !replica.alive)
        .map(
          (replica) =>
            `${replica.name} exited (${replica.process.child.exitCode ?? replica.process.child.signalCode}):\n${replica.process.output().slice(-3_000)}`,
        );
    },
    async close() {
      client.$rpc.close();
      const all = Object.values(replicas).flat();
      await Promise.all(all.map((replica) => replica.stop().catch(() => undefined)));
      await broker.stop();
      await Promise.all([ordersDb.stop(), inventoryDb.stop(), paymentsDb.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
