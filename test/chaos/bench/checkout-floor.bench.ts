// The platform's checkout beside its floor, side by side in one run:
//   pnpm bench:checkout        (BENCH_SINGLE, BENCH_SECONDS, BENCH_CLIENTS, BENCH_RATE to size it)
//
// Platform: POST /api/orders through the gateway's front, on the whole redundant platform under the local
// supervisor. Floor: one bare Node process that does, per checkout, as many PostgreSQL transactions as the
// platform committed per checkout and as many raw grpc-js round trips as the platform's gRPC servers answered per
// checkout (both counted during the run), with no resilience, metrics or logs, against the same PostgreSQL: the
// platform's own primary (its synchronous standby acknowledges each commit, as for the services), in a scratch
// database, while every other process of the platform is frozen (SIGSTOP) so that it takes no CPU from the
// floor. Both are measured single-client (p50) and at BENCH_CLIENTS concurrent clients fed by open-loop arrivals
// (throughput), with CPU per checkout summed over every process.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Client,
  credentials,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import {
  type Platform,
  percentile,
  placeOrder,
  startPlatform,
  sumMetric,
  sumMetricAcross,
} from '@rebound/e2e';
import { processGroupMembers } from '@rebound/local';
import pg from 'pg';

const SINGLE = Number(process.env.BENCH_SINGLE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
/** Arrivals per second offered to the concurrent phase: above what either side can do, so both saturate. */
const RATE = Number(process.env.BENCH_RATE ?? 400);
/** The idle stretch over which background commits and CPU are measured. */
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 5);
const PRODUCTS = ['p-001', 'p-002', 'p-003', 'p-004', 'p-005', 'p-006', 'p-007', 'p-008', 'p-009', 'p-010'];
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim() || 100);
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** CPU milliseconds used so far by `pid` (user + system, with its reaped children). */
function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime are fields 14..17, i.e. 11..14 after the command name.
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) * TICK_MS;
  } catch {
    return 0;
  }
}

/**
 * CPU milliseconds of every process named: a replica with its children (PostgreSQL's backends), or with
 * `alone` the process only (the supervisor, whose descendants are every replica).
 */
function cpuByGroup(groups: ReadonlyMap<string, { pid: number; alone?: boolean }>): Map<string, number> {
  return new Map(
    [...groups].map(([name, { pid, alone }]) => [
      name,
      alone ? cpuMsOf(pid) : processGroupMembers(pid).reduce((sum, member) => sum + cpuMsOf(member), 0),
    ]),
  );
}

interface Phase {
  readonly ok: number;
  readonly failed: number;
  readonly seconds: number;
  readonly latencies: number[];
}

/** `total` checkouts one after the other. */
async function singleClient(total: number, checkout: (i: number) => Promise<boolean>): Promise<Phase> {
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const t0 = performance.now();
    if (await checkout(i)) latencies.push(performance.now() - t0);
    else failed++;
  }
  return { ok: latencies.length, failed, seconds: (performance.now() - started) / 1000, latencies };
}

/**
 * Open-loop arrivals at `rate` per second for `seconds`, at most `clients` in flight: an arrival that finds every
 * client busy waits for the next free one (its wait is part of its latency, so the queue is not hidden).
 */
async function concurrent(
  rate: number,
  seconds: number,
  clients: number,
  checkout: (i: number) => Promise<boolean>,
): Promise<Phase> {
  const latencies: number[] = [];
  let failed = 0;
  const queue: number[] = [];
  let arrivals = 0;
  let open = true;
  const started = performance.now();
  const arrive = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (arrivals < due) {
      queue.push(started + (arrivals * 1000) / rate);
      arrivals++;
    }
    if (performance.now() - started >= seconds * 1000) {
      open = false;
      clearInterval(arrive);
    }
  }, 5);
  let i = 0;
  const worker = async () => {
    while (open || queue.length > 0) {
      const arrivedAt = queue.shift();
      if (arrivedAt === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      if (!open) break; // arrivals left over when time is up are not served
      if (await checkout(i++)) latencies.push(performance.now() - arrivedAt);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  return { ok: latencies.length, failed, seconds: (performance.now() - started) / 1000, latencies };
}

interface SideResult {
  readonly single: Phase;
  readonly loaded: Phase;
  /** CPU ms per checkout in the loaded phase, per process (group). */
  readonly cpuPerCheckout: Map<string, number>;
}

function cpuDelta(before: Map<string, number>, after: Map<string, number>, checkouts: number) {
  return new Map(
    [...after].map(([name, ms]) => [name, (ms - (before.get(name) ?? 0)) / Math.max(1, checkouts)]),
  );
}

// ---- the platform --------------------------------------------------------------------------------------

const SERVICES = ['catalog', 'inventory', 'payments', 'orders'] as const;

async function rpcServed(platform: Platform): Promise<number> {
  const urls = (await Promise.all(SERVICES.map((service) => platform.adminUrls(service)))).flat();
  return sumMetricAcross(urls, 'rebound_rpc_server_requests_total');
}

async function commits(platform: Platform): Promise<number> {
  return sumMetric(platform.adminUrl('postgres-0'), 'rebound_postgres_transactions_total', {
    outcome: 'commit',
  });
}

async function processGroups(platform: Platform): Promise<Map<string, { pid: number; alone?: boolean }>> {
  const groups = new Map<string, { pid: number; alone?: boolean }>();
  for (const row of (await platform.status()).rows)
    if (row.pid !== undefined) groups.set(row.name, { pid: row.pid });
  if (platform.supervisorPid !== undefined)
    groups.set('supervisor (and the front)', { pid: platform.supervisorPid, alone: true });
  return groups;
}

async function measurePlatform() {
  const platform = await startPlatform({
    env: { RATE_LIMIT_RPS: '1000000', RATE_LIMIT_BURST: '1000000' },
    readyTimeoutMs: 240_000,
    optional: [],
  });
  try {
    const checkout = async (i: number) => {
      const productId = PRODUCTS[i % PRODUCTS.length] as string;
      // Stock would run out: a bench checkout buys nothing the next one needs (cancelled ones count as failed).
      const answer = await placeOrder(platform.gatewayUrl, [{ productId, quantity: 1 }], randomUUID());
      return answer.status === 201 && answer.order?.status !== 'CANCELLED';
    };
    for (let i = 0; i < 30; i++) await checkout(i); // warm-up: connections, JIT, Kafka metadata

    // Background commits (leader leases, relay polls, probes) and CPU (probes, scrapes, polls) over an idle
    // stretch: the commits to take away from the count, the CPU to tell the background from the checkouts.
    const groups = await processGroups(platform);
    const idleCommits0 = await commits(platform);
    const idleCpu0 = cpuByGroup(groups);
    const idleStart = performance.now();
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const idleSeconds = (performance.now() - idleStart) / 1000;
    const idleCpuPerSecond = cpuDelta(idleCpu0, cpuByGroup(groups), idleSeconds);
    const idleRate = ((await commits(platform)) - idleCommits0) / idleSeconds;

    const commits0 = await commits(platform);
    const rpc0 = await rpcServed(platform);
    const single = await singleClient(SINGLE, checkout);
    const commitsPerCheckout =
      ((await commits(platform)) - commits0 - idleRate * single.seconds) / Math.max(1, single.ok);
    const hopsPerCheckout = ((await rpcServed(platform)) - rpc0) / Math.max(1, single.ok);

    const cpu0 = cpuByGroup(groups);
    const loaded = await concurrent(RATE, SECONDS, CLIENTS, (i) => checkout(SINGLE + i));
    const cpuPerCheckout = cpuDelta(cpu0, cpuByGroup(groups), loaded.ok);
    return {
      platform,
      single,
      loaded,
      cpuPerCheckout,
      idleCpuPerSecond,
      commitsPerCheckout,
      hopsPerCheckout,
      idleRate,
    };
  } catch (error) {
    await platform.stop();
    throw error;
  }
}

// ---- the floor -----------------------------------------------------------------------------------------

const ECHO = '/floor.Echo/Call';
const passThrough = (bytes: Buffer) => bytes;

/** The platform's PostgreSQL, for the floor: a superuser URL to a scratch database on the primary. */
interface SamePostgres {
  readonly url: string;
  /** The PostgreSQL instances (each with its server processes), whose CPU is the floor's database CPU. */
  readonly instances: ReadonlyMap<string, { pid: number }>;
  /** Every other process of the platform (services, broker, tooling, the instances' Node wrappers, the
   * supervisor), frozen while the floor runs. */
  readonly others: readonly number[];
}

async function samePostgres(platform: Platform): Promise<SamePostgres> {
  const { rows } = await platform.status();
  const primary = rows.find((row) => row.name === 'postgres-0');
  if (primary?.port === undefined) throw new Error('postgres-0 is not running');
  const password = readFileSync(join(platform.dataDir, 'postgres', 'superuser.password'), 'utf8').trim();
  const admin = new pg.Client({ host: '127.0.0.1', port: primary.port, user: 'postgres', password });
  await admin.connect();
  try {
    const { rows: recovery } = await admin.query<{ standby: boolean }>(
      'SELECT pg_is_in_recovery() AS standby',
    );
    if (recovery[0]?.standby !== false) throw new Error('postgres-0 is not the primary');
    await admin.query('DROP DATABASE IF EXISTS floor_bench');
    await admin.query('CREATE DATABASE floor_bench');
  } finally {
    await admin.end();
  }
  const instances = new Map<string, { pid: number }>();
  const wrappers: number[] = [];
  const others: number[] = [];
  for (const row of rows) {
    if (row.pid === undefined) continue;
    if (row.process === 'postgres') {
      instances.set(row.name, { pid: row.pid });
      wrappers.push(row.pid);
    } else others.push(row.pid);
  }
  if (platform.supervisorPid !== undefined) others.push(platform.supervisorPid);
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${primary.port}/floor_bench`,
    instances,
    others: [...others, ...wrappers],
  };
}

/** SIGSTOPs `pids` (each process alone, not its children) until the returned thaw is called. */
function freeze(pids: readonly number[]): () => void {
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  return () => {
    for (const pid of [...pids].reverse()) process.kill(pid, 'SIGCONT');
  };
}

async function measureFloor(transactions: number, hops: number, postgres: SamePostgres): Promise<SideResult> {
  const server = new Server();
  server.register(
    ECHO,
    (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => callback(null, call.request),
    passThrough,
    passThrough,
    'unary',
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  const pool = new pg.Pool({ connectionString: postgres.url, max: CLIENTS });
  await pool.query(
    'CREATE TABLE floor_rows (id bigserial PRIMARY KEY, checkout text NOT NULL, step int NOT NULL, ' +
      'state text NOT NULL, payload jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())',
  );
  const payload = Buffer.alloc(256, 1);
  const call = () =>
    new Promise<void>((resolve, reject) =>
      client.makeUnaryRequest(ECHO, passThrough, passThrough, payload, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  // One saga-like transaction: a row written, then updated, as a step is recorded and then settled.
  const transaction = async (checkout: string, step: number) => {
    const connection = await pool.connect();
    try {
      await connection.query('BEGIN');
      const { rows } = await connection.query<{ id: string }>(
        'INSERT INTO floor_rows (checkout, step, state, payload) VALUES ($1, $2, $3, $4) RETURNING id',
        [checkout, step, 'STARTED', JSON.stringify({ productId: 'p-001', quantity: 1 })],
      );
      await connection.query("UPDATE floor_rows SET state = 'DONE', updated_at = now() WHERE id = $1", [
        rows[0]?.id,
      ]);
      await connection.query('COMMIT');
    } finally {
      connection.release();
    }
  };
  const checkout = async () => {
    const id = randomUUID();
    for (let i = 0; i < Math.max(hops, transactions); i++) {
      if (i < hops) await call();
      if (i < transactions) await transaction(id, i);
    }
    return true;
  };
  try {
    for (let i = 0; i < 30; i++) await checkout();
    const single = await singleClient(SINGLE, checkout);
    // The Node side is this process alone; PostgreSQL is each instance's tree (its wrapper is frozen).
    const groups = new Map([...postgres.instances].map(([name, group]) => [`${name} (floor)`, group]));
    const cpu0 = cpuByGroup(groups);
    const node0 = process.cpuUsage();
    const loaded = await concurrent(RATE, SECONDS, CLIENTS, checkout);
    const node = process.cpuUsage(node0);
    const cpuPerCheckout = cpuDelta(cpu0, cpuByGroup(groups), loaded.ok);
    cpuPerCheckout.set('floor (one Node process)', (node.user + node.system) / 1000 / Math.max(1, loaded.ok));
    return { single, loaded, cpuPerCheckout };
  } finally {
    client.close();
    server.forceShutdown();
    await pool.end();
  }
}

// ---- the run -------------------------------------------------------------------------------------------

const platform = await measurePlatform();
const transactions = Math.round(platform.commitsPerCheckout);
const hops = Math.round(platform.hopsPerCheckout);
let floor: SideResult;
try {
  const postgres = await samePostgres(platform.platform);
  const thaw = freeze(postgres.others);
  try {
    floor = await measureFloor(transactions, hops, postgres);
  } finally {
    thaw();
  }
} finally {
  await platform.platform.stop();
}

const p50 = (phase: Phase) => percentile(phase.latencies, 50);
const throughput = (phase: Phase) => phase.ok / phase.seconds;
const cpuTotal = (cpu: Map<string, number>) => [...cpu.values()].reduce((a, b) => a + b, 0);
const latencyRatio = p50(platform.single) / p50(floor.single);
const throughputRatio = throughput(platform.loaded) / throughput(floor.loaded);
const describe = (phase: Phase) => ({
  ok: phase.ok,
  failed: phase.failed,
  seconds: round(phase.seconds),
  p50Ms: round(percentile(phase.latencies, 50)),
  p99Ms: round(percentile(phase.latencies, 99)),
  perSecond: round(throughput(phase)),
});
const netOfIdle = new Map(
  [...platform.cpuPerCheckout].map(([name, ms]) => [
    name,
    ms -
      ((platform.idleCpuPerSecond.get(name) ?? 0) * platform.loaded.seconds) /
        Math.max(1, platform.loaded.ok),
  ]),
);
const cpuTable = (cpu: Map<string, number>) =>
  Object.fromEntries([...cpu].filter(([, ms]) => ms > 0.005).map(([name, ms]) => [name, round(ms, 2)]));

process.stdout.write(
  `${JSON.stringify(
    {
      perCheckout: {
        transactionsCommitted: round(platform.commitsPerCheckout),
        grpcRoundTrips: round(platform.hopsPerCheckout),
        backgroundCommitsPerSecond: round(platform.idleRate),
      },
      platform: {
        singleClient: describe(platform.single),
        [`${CLIENTS} clients, ${RATE}/s offered`]: describe(platform.loaded),
        cpuMsPerCheckout: round(cpuTotal(platform.cpuPerCheckout), 2),
        cpuMsPerCheckoutByProcess: cpuTable(platform.cpuPerCheckout),
        // The same CPU less what the processes burn idle over as long (probes, scrapes, polls): the checkouts'
        // own cost. On a loaded box fewer checkouts share the background, so the gross figure swings more.
        cpuMsPerCheckoutNetOfIdle: round(cpuTotal(netOfIdle), 2),
        idleCpuMsPerSecond: round(cpuTotal(platform.idleCpuPerSecond), 1),
        idleCpuMsPerSecondByProcess: cpuTable(platform.idleCpuPerSecond),
      },
      floor: {
        does: `${transactions} transactions (INSERT + UPDATE) and ${hops} grpc-js round trips per checkout`,
        singleClient: describe(floor.single),
        [`${CLIENTS} clients, ${RATE}/s offered`]: describe(floor.loaded),
        cpuMsPerCheckout: round(cpuTotal(floor.cpuPerCheckout), 2),
        cpuMsPerCheckoutByProcess: cpuTable(floor.cpuPerCheckout),
      },
      bars: {
        singleClientP50: `${round(latencyRatio, 2)}x the floor (bar <= 3x): ${latencyRatio <= 3 ? 'met' : 'NOT met'}`,
        throughput: `${round(throughputRatio, 2)}x the floor (bar >= 0.3x): ${throughputRatio >= 0.3 ? 'met' : 'NOT met'}`,
        cpuPerCheckout: `${round(cpuTotal(platform.cpuPerCheckout) / cpuTotal(floor.cpuPerCheckout), 2)}x the floor`,
      },
    },
    null,
    2,
  )}\n`,
);
