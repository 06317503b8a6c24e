// The replicated PostgreSQL of the real platform topology (postgres-0 primary, postgres-1 its synchronous standby,
// the read-write endpoint, the failover controller), under the real supervisor: the embedded PostgreSQL binaries, a
// database and a role per service (each role reaching only its own database), probes, and a failover after a crash.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePortBlock, waitFor } from '@rebound/testing';
import pg from 'pg';
import {
  DATABASE_SERVICES,
  type PostgresCluster,
  type ProcessSpec,
  platformTopology,
  resolveTopology,
  Supervisor,
  startPostgresCluster,
} from '../src/index.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** Connects, runs `sql`, disconnects; rejects with the server's error (its SQLSTATE in `code`). */
async function query<Row>(url: string, sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Row[];
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.href;
}

function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.href;
}

describe('postgres-0 under the supervisor', () => {
  let dataDir = '';
  let specs: ProcessSpec[] = [];
  let supervisor: Supervisor;
  let cluster: PostgresCluster;
  const lines: string[] = [];
  /** `<SERVICE>_DATABASE_URL` as the supervisor hands it to each service. */
  const urls: Record<string, string> = {};

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rebound-local-postgres-'));
    // mkdtemp makes it 0700; as root the server runs as the postgres user, which must reach its data dir.
    await chmod(dataDir, 0o755);
    const all = resolveTopology(platformTopology, {
      rootDir: REPO_ROOT,
      dataDir,
      basePort: await freePortBlock(80),
      restart: { initialBackoffMs: 50, maxBackoffMs: 400, terminationGraceMs: 5_000 },
    });
    for (const service of DATABASE_SERVICES) {
      const replica = all.find((spec) => spec.name === service)?.replicas[0];
      urls[service] = replica?.env[`${service.toUpperCase()}_DATABASE_URL`] ?? assert.fail(service);
    }
    specs = all.filter((spec) => spec.name === 'postgres');
    supervisor = new Supervisor({ processes: specs, onLine: (_replica, line) => lines.push(line) });
    const log = (line: string) => lines.push(`local | ${line}`);
    cluster = await startPostgresCluster({
      process: specs[0] as ProcessSpec,
      supervisor,
      log: { event: log, warn: log },
    });
    supervisor.start();
    try {
      await waitFor(() => cluster.failover.state.synchronousStandby === 'postgres-1', {
        timeoutMs: 90_000,
        description: 'postgres-0 primary, postgres-1 its synchronous standby',
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}; its output:\n${lines.join('\n')}`);
    }
  });

  after(async () => {
    assert.deepEqual(await supervisor.stop(), [], 'no process group survives the stop');
    await cluster?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('initialises a cluster once, runs PostgreSQL 18 as an unprivileged user, and says where it listens', async () => {
    assert.ok(lines.some((line) => line.startsWith('initialised a PostgreSQL cluster in')));
    assert.ok(
      lines.some((line) =>
        /^listening on 127\.0\.0\.1:\d+ \(PostgreSQL 18, primary, databases: orders, /.test(line),
      ),
    );
    const client = new pg.Client({ connectionString: urls.orders });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string; pid: number }>(
        'SELECT current_setting($$server_version_num$$) AS version, pg_backend_pid() AS pid',
      );
      assert.match(rows[0]!.version, /^18\d{4}$/);
      const status = await readFile(`/proc/${rows[0]!.pid}/status`, 'utf8');
      assert.notEqual(Number(/^Uid:\s+(\d+)/m.exec(status)![1]), 0, 'the server does not run as root');
    } finally {
      await client.end();
    }
  });

  it('gives each service its own database, owned by its own role', async () => {
    for (const service of DATABASE_SERVICES) {
      const [who] = await query<{ user: string; db: string; owns: boolean }>(
        urls[service]!,
        'SELECT current_user AS user, current_database() AS db, ' +
          'pg_get_userbyid(datdba) = current_user AS owns FROM pg_database WHERE datname = current_database()',
      );
      assert.deepEqual(who, { user: service, db: service, owns: true });
    }
    await query(
      urls.orders!,
      'CREATE SCHEMA orders; CREATE TABLE orders.kept (id int); INSERT INTO orders.kept VALUES (1)',
    );
  });

  it("refuses a role another service's database, the maintenance databases and a wrong password", async () => {
    for (const database of ['inventory', 'payments', 'notifications', 'postgres', 'template1']) {
      await assert.rejects(
        query(withDatabase(urls.orders!, database), 'SELECT 1'),
        (error: { code?: string }) => {
          assert.equal(error.code, '42501', `orders connecting to ${database}: ${String(error)}`);
          return true;
        },
      );
    }
    await assert.rejects(query(withPassword(urls.orders!, 'guess'), 'SELECT 1'), { code: '28P01' });
    const superuser = new URL(withDatabase(urls.orders!, 'postgres'));
    superuser.username = 'postgres';
    await assert.rejects(
      query(superuser.href, 'SELECT 1'),
      { code: '28P01' },
      "the orders password is not the superuser's",
    );
  });

  it('serves metrics on its admin port: up, and connections and transactions per service database', async () => {
    const adminPort = specs[0]?.replicas[0]?.adminPort;
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    assert.match(text, /^rebound_postgres_up 1$/m);
    const commits = /^rebound_postgres_transactions_total\{database="orders",outcome="commit"\} (\d+)$/m.exec(
      text,
    );
    assert.ok(Number(commits?.[1]) > 0, text);
    for (const service of DATABASE_SERVICES) {
      assert.match(text, new RegExp(`^rebound_postgres_connections\\{database="${service}"\\} \\d+$`, 'm'));
    }
  });

  it('copies the primary into a streaming standby that refuses writes', async () => {
    assert.ok(lines.some((line) => /^copied postgres-0 with the low-level backup API/.test(line)));
    const standby = new URL(urls.orders!);
    standby.port = String(specs[0]?.replicas[1]?.port);
    await waitFor(
      async () => (await query<{ id: number }>(standby.href, 'SELECT id FROM orders.kept')).length === 1,
      { timeoutMs: 10_000, description: 'the row on the standby' },
    );
    await assert.rejects(query(standby.href, 'INSERT INTO orders.kept VALUES (2)'), { code: '25006' });
    const metrics = cluster.metrics();
    assert.match(metrics, /^rebound_postgres_primary\{instance="postgres-0"\} 1$/m);
    assert.match(metrics, /^rebound_postgres_synchronous_standby\{instance="postgres-1"\} 1$/m);
    assert.match(metrics, /^rebound_postgres_standby_streaming\{instance="postgres-1"\} 1$/m);
  });

  it('fails over when the primary is SIGKILLed: the standby is promoted, keeps what was committed, the old primary comes back as its standby', async () => {
    const pgdata = join(dataDir, 'postgres-0', 'pgdata');
    const postmaster = Number((await readFile(join(pgdata, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(postmaster, 'SIGKILL');
    await waitFor(() => cluster.endpoint.target?.name === 'postgres-1', {
      timeoutMs: 30_000,
      description: 'the endpoint following postgres-1',
    });
    assert.deepEqual(cluster.failover.state.primary, 'postgres-1');
    assert.deepEqual(await query(urls.orders!, 'SELECT id FROM orders.kept'), [{ id: 1 }]);
    await query(urls.orders!, 'INSERT INTO orders.kept VALUES (3)');
    await waitFor(() => cluster.failover.state.synchronousStandby === 'postgres-0', {
      timeoutMs: 60_000,
      description: 'postgres-0 rebuilt as the synchronous standby',
    });
    assert.ok(lines.some((line) => /^copied postgres-1 with the low-level backup API/.test(line)));
    assert.equal(lines.filter((line) => line.startsWith('initialised a PostgreSQL cluster')).length, 1);
    assert.match(cluster.metrics(), /^rebound_postgres_failovers_total 1$/m);
  });
});
