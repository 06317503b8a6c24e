import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ordersV1 } from '@rebound/contracts';
import { createRpcClient } from '@rebound/rpc';
import { type Database, openPostgres } from '@rebound/storage';
import {
  freePort,
  metricValue,
  netCharges,
  type PostgresServer,
  readLedger,
  type ServiceProcess,
  skipUnlessPostgres,
  startPostgres,
  startSagaServices,
  startServiceProcess,
  waitFor,
} from '@rebound/testing';
import { setProcessor } from './platform.ts';

const app = (name: string) => fileURLToPath(new URL(`../../../apps/${name}/dist/main.js`, import.meta.url));

interface Replica {
  process: ServiceProcess;
  readonly env: Record<string, string>;
}

const gauge = async (replica: Replica, name: string) => {
  if (replica.process.child.exitCode !== null || replica.process.child.signalCode !== null) return 0;
  return (await metricValue(replica.process.adminUrl, name).catch(() => 0)) ?? 0;
};
const isLeader = (replica: Replica) => gauge(replica, 'rebound_orders_recovery_leader');
const token = (replica: Replica) => gauge(replica, 'rebound_orders_recovery_fencing_token');

describe('two orders replicas on PostgreSQL: one recovery leader, handover, fencing', {
  skip: skipUnlessPostgres(),
}, () => {
  let dir: string;
  let postgres: PostgresServer;
  let inventory: ServiceProcess;
  let payments: ServiceProcess;
  let db: Database;
  const replicas: Replica[] = [];

  const launch = (env: Record<string, string>) =>
    startServiceProcess({ script: app('orders'), env, readyTimeoutMs: 120_000 });
  const start = async (replica: Replica) => {
    replica.process = await launch(replica.env);
  };
  const kill = async (replica: Replica) => {
    replica.process.child.kill('SIGKILL');
    await replica.process.exited;
  };
  /** Attempts of the charge step of order `fenced-1` while it is STARTED (in flight), else 0. */
  const chargeAttempts = async () => {
    const { rows } = await db.query<{ attempts: number }>(
      `SELECT s.attempts FROM saga_steps s JOIN orders o ON o.id = s.order_id
       WHERE o.idempotency_key = 'fenced-1' AND s.step = 'charge_payment' AND s.outcome = 'STARTED'`,
    );
    return rows[0]?.attempts ?? 0;
  };
  const leaders = async () => {
    const flags = await Promise.all(replicas.map(isLeader));
    return replicas.filter((_, i) => flags[i] === 1);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebound-chaos-leader-'));
    postgres = await startPostgres();
    ({ inventory, payments } = await startSagaServices(app, dir));
    for (let n = 0; n < 2; n++) {
      const env = {
        SERVICE_NAME: 'orders',
        LOG_LEVEL: 'info',
        GRPC_PORT: String(await freePort()),
        ADMIN_PORT: String(await freePort()),
        ORDERS_DATABASE_URL: postgres.url,
        INVENTORY_ADDRS: inventory.address,
        PAYMENTS_ADDRS: payments.address,
        KAFKA_BROKERS: `127.0.0.1:${await freePort()}`, // no broker: events wait in the outbox
        SAGA_CALL_TIMEOUT_MS: '10000',
        SAGA_PAUSE_BOUND_MS: '20000',
        RECOVERY_STALE_AFTER_MS: '3000',
        RECOVERY_INTERVAL_MS: '300',
        RECOVERY_LEASE_MS: '2000',
      };
      // One after the other: both migrate the same schema.
      replicas.push({ env, process: await launch(env) });
    }
    db = await openPostgres({ url: postgres.url, schema: 'orders', poolMax: 1 });
  });

  after(async () => {
    await Promise.all(replicas.map((replica) => replica.process?.stop()));
    await db?.close();
    await Promise.all([inventory?.stop(), payments?.stop()]);
    await postgres?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('exactly one replica leads the recovery worker', async () => {
    const [leader] = await waitFor(async () => ((await leaders()).length === 1 ? leaders() : undefined), {
      timeoutMs: 20_000,
      description: 'one leader',
    });
    assert.ok(leader);
    assert.equal((await leaders()).length, 1);
  });

  it('killing the leader hands leadership to the other replica with a higher fencing token', async () => {
    const [old] = await leaders();
    assert.ok(old);
    const oldToken = await token(old);
    const other = replicas.find((replica) => replica !== old) as Replica;
    await kill(old);
    await waitFor(async () => (await isLeader(other)) === 1, { timeoutMs: 20_000, description: 'handover' });
    assert.ok((await token(other)) > oldToken);
    await start(old); // back as a follower
    assert.deepEqual(await leaders(), [other]);
  });

  it("a deposed leader's late write is refused (fencing), and the saga still ends exactly once", async () => {
    const [leader] = await leaders();
    assert.ok(leader);
    const follower = replicas.find((replica) => replica !== leader) as Replica;
    await setProcessor(payments, { latencyMs: 4_000 });
    // A saga cut mid-charge: placed on the follower, which is killed while payments is still answering.
    const client = createRpcClient(ordersV1.OrdersServiceService, {
      target: follower.process.address,
      defaults: { breaker: false, timeoutMs: 10_000 },
    });
    const lines = [{ productId: 'p-004', quantity: 1, unitPrice: { amountMinor: 500, currency: 'EUR' } }];
    const placing = client
      .placeOrder({ idempotencyKey: 'fenced-1', customerId: 'chaos', lines }, { timeoutMs: 30_000 })
      .then(
        () => 'answered',
        () => 'failed',
      );
    await waitFor(async () => (await chargeAttempts()) >= 1, {
      timeoutMs: 20_000,
      intervalMs: 10,
      description: 'the follower is charging',
    });
    await kill(follower);
    assert.equal(await placing, 'failed', 'the follower died mid-charge');
    client.$rpc.close();
    // The leader resumes it once stale: freeze it while its charge is in flight. Not inside one of its fenced
    // transactions: the FOR SHARE lock of a frozen transaction would (by design) keep any successor from
    // taking the lease until PostgreSQL ends that session.
    await waitFor(async () => (await chargeAttempts()) >= 2, {
      timeoutMs: 20_000,
      intervalMs: 10,
      description: 'the leader re-issues the charge from the checkpoint',
    });
    leader.process.child.kill('SIGSTOP');
    await start(follower);
    await waitFor(async () => (await isLeader(follower)) === 1, {
      timeoutMs: 20_000,
      description: 'the other replica takes the lease while the leader is frozen',
    });
    leader.process.child.kill('SIGCONT');
    await waitFor(
      async () =>
        ((await metricValue(leader.process.adminUrl, 'rebound_orders_recovery_fenced_total')) ?? 0) >= 1,
      {
        timeoutMs: 20_000,
        description: "the deposed leader's write refused",
      },
    );
    await setProcessor(payments, { latencyMs: 0 });
    const reader = createRpcClient(ordersV1.OrdersServiceService, {
      target: follower.process.address,
      defaults: { breaker: false, timeoutMs: 10_000 },
    });
    try {
      const { order } = await reader.placeOrder({ idempotencyKey: 'fenced-1', customerId: 'chaos', lines });
      const final = await waitFor(
        async () => {
          const { order: now } = await reader.getOrder({ id: order?.id ?? '' });
          return now?.status === 'ORDER_STATUS_CONFIRMED' ? now : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, description: 'the new leader finishes the saga' },
      );
      assert.equal(final.status, 'ORDER_STATUS_CONFIRMED');
      const paid = netCharges(await readLedger(payments.adminUrl, final.id)).get(final.id);
      assert.deepEqual(
        paid,
        { net: final.total?.amountMinor, charges: 1 },
        'charged exactly once (payments ledger)',
      );
    } finally {
      reader.$rpc.close();
    }
  });
});
