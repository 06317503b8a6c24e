import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freePortBlock, type ServiceProcess, startServiceProcess, waitFor } from '@rebound/testing';
import { REPO_ROOT } from '../../src/repo.paths.ts';

/** A scrape target as Prometheus will see it: the labels the local scrape config gives it. */
export interface Target {
  readonly job: 'rebound-services' | 'rebound-kafka' | 'rebound-supervisor';
  readonly service: string;
  readonly instance: string;
  readonly address: string;
}

export interface Shop {
  readonly dir: string;
  readonly services: Map<string, ServiceProcess>;
  readonly gatewayUrl: string;
  readonly targets: () => Target[];
  /** Starts a service again on the same ports (after a kill), waiting for readiness. */
  restart(name: string): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

const app = (name: string) => join(REPO_ROOT, `apps/${name}/dist/main.js`);

/** Whether every app the shop needs is built (`pnpm build`); the suites skip with one line otherwise. */
export function shopBuilt(): false | string {
  for (const name of ['catalog', 'inventory', 'payments', 'orders', 'gateway', 'notifications']) {
    try {
      readFileSync(app(name));
    } catch {
      const reason = `apps/${name}/dist/main.js is missing: run pnpm build first`;
      if (process.env.CI === 'true') throw new Error(reason);
      process.stderr.write(`skipping: ${reason}\n`);
      return reason;
    }
  }
  return false;
}

/**
 * The shop as real processes on free ports of 127.0.0.1: the local supervisor running the dev broker and the
 * replicated PostgreSQL (so its own /metrics, failover metrics included, is real too), catalog, inventory, payments, orders, the gateway and (with the broker) notifications,
 * the consumer of `orders.events`, each with the env contract of infra/local.
 */
export async function startShop(options: { supervisor?: boolean } = {}): Promise<Shop> {
  const dir = mkdtempSync(join(tmpdir(), 'rebound-monitoring-'));
  // As root PostgreSQL runs as the postgres user, which must reach its data dir (mkdtemp makes it 0700).
  chmodSync(dir, 0o755);
  const envs = new Map<string, Record<string, string>>();
  const services = new Map<string, ServiceProcess>();
  let supervisor: ChildProcess | undefined;
  let brokerPort = 0;
  let brokerMetricsPort = 0;
  const start = async (name: string, env: Record<string, string>) => {
    const full = { SERVICE_NAME: name, SERVICE_INSTANCE: `${name}-0`, DATA_DIR: join(dir, name), ...env };
    envs.set(name, full);
    const service = await startServiceProcess({ script: app(name), env: full, readyTimeoutMs: 120_000 });
    services.set(name, service);
    return service;
  };
  const startSupervisor = async () => {
    const base = await freePortBlock(80);
    brokerPort = base;
    brokerMetricsPort = base + 5;
    const dataDir = join(dir, 'local');
    supervisor = spawn(
      process.execPath,
      [
        'infra/local/src/cli.ts',
        'up',
        '--only',
        'kafka,postgres',
        '--base-port',
        String(base),
        '--data-dir',
        dataDir,
      ],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' },
      },
    );
    let log = '';
    supervisor.stdout?.on('data', (c: Buffer) => (log += c.toString()));
    supervisor.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    await waitFor(() => log.includes('everything is ready') || supervisor?.exitCode !== null, {
      timeoutMs: 120_000,
      intervalMs: 50,
      description: 'supervisor with the broker ready',
    });
    if (supervisor.exitCode !== null) throw new Error(`supervisor exited: ${log}`);
  };
  const stop = async () => {
    await Promise.all([...services.values()].map((s) => s.stop(5_000)));
    if (supervisor && supervisor.exitCode === null) {
      supervisor.kill('SIGTERM');
      await once(supervisor, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // allSettled: when one fails, the others are in `services` before stop() runs, so none is left behind.
    const settled = await Promise.allSettled([
      start('catalog', {}),
      start('inventory', {}),
      start('payments', {}),
      options.supervisor === false ? Promise.resolve() : startSupervisor(),
    ]);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [catalog, inventory, payments] = settled.map(
      (r) => (r as PromiseFulfilledResult<ServiceProcess>).value,
    ) as [ServiceProcess, ServiceProcess, ServiceProcess];
    const brokers = brokerPort > 0 ? { KAFKA_BROKERS: `127.0.0.1:${brokerPort}` } : undefined;
    const second = await Promise.allSettled([
      start('orders', {
        INVENTORY_ADDRS: inventory.address,
        PAYMENTS_ADDRS: payments.address,
        ...brokers,
      }),
      // Ready once its consumer runs, so it needs the broker.
      brokers ? start('notifications', brokers) : Promise.resolve(),
    ]);
    const secondFailed = second.find((r) => r.status === 'rejected');
    if (secondFailed) throw secondFailed.reason;
    const orders = (second[0] as PromiseFulfilledResult<ServiceProcess>).value;
    const httpPort = await freePort();
    await start('gateway', {
      HTTP_PORT: String(httpPort),
      CATALOG_ADDRS: catalog.address,
      ORDERS_ADDRS: orders.address,
    });
    const shop: Shop = {
      dir,
      services,
      gatewayUrl: `http://127.0.0.1:${httpPort}`,
      targets: () => {
        const list: Target[] = [...services.entries()].map(([name, s]) => ({
          job: 'rebound-services',
          service: name,
          instance: `${name}-0`,
          address: `127.0.0.1:${s.adminPort}`,
        }));
        if (supervisor) {
          const control = JSON.parse(
            readFileSync(join(dir, 'local', 'local', 'supervisor.json'), 'utf8'),
          ) as {
            port: number;
          };
          list.push(
            {
              job: 'rebound-kafka',
              service: 'kafka',
              instance: 'kafka-0',
              address: `127.0.0.1:${brokerMetricsPort}`,
            },
            {
              job: 'rebound-supervisor',
              service: 'supervisor',
              instance: 'supervisor',
              address: `127.0.0.1:${control.port}`,
            },
          );
        }
        return list;
      },
      async restart(name) {
        const old = services.get(name);
        const env = envs.get(name) ?? {};
        const service = await startServiceProcess({
          script: app(name),
          env: { ...env, GRPC_PORT: String(old?.grpcPort), ADMIN_PORT: String(old?.adminPort) },
          readyTimeoutMs: 120_000,
        });
        services.set(name, service);
        return service;
      },
      stop,
    };
    return shop;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One checkout through the gateway; resolves with the HTTP status. */
export async function checkout(gatewayUrl: string, key: string): Promise<number> {
  const response = await fetch(`${gatewayUrl}/api/orders`, {
    method: 'POST',
    headers: { 'x-api-key': 'key-a', 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ lines: [{ productId: 'p-001', quantity: 1 }] }),
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  return response.status;
}
