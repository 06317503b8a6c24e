#!/usr/bin/env node
// The embedded PostgreSQL server of the local runtime (postgres-0):
//   POSTGRES_ROLE_PASSWORDS='{"orders":"…",…}' node infra/postgres-dev/src/cli.ts --port 7470 \
//     --admin-port 7475 --data-dir .data/postgres-0 --databases orders,inventory,payments,notifications
// initdb once (PGDATA is <data-dir>/pgdata), start postgres on 127.0.0.1 as an unprivileged user, give each
// service a role and a database only it can connect to, and serve /startupz, /livez, /readyz and /metrics on
// the admin port.
// SIGTERM or SIGINT: fast shutdown, exit 0. The server dying on its own: exit 1, for the supervisor to restart.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startAdminServer } from './admin.server.ts';
import { binariesFor, type PostgresBinaries } from './binaries.ts';
import { clusterExists, initCluster } from './cluster.ts';
import { parseRolePasswords, ROLE_PASSWORDS_VARIABLE } from './credentials.ts';
import { renderMetrics } from './metrics.ts';
import { provisionDatabases } from './provision.ts';
import { startServer } from './server.ts';
import { type ServerUser, serverUser } from './server-user.ts';
import { LOCAL_SERVER_SETTINGS } from './settings.ts';

const HOST = '127.0.0.1';
const say = (line: string) => process.stdout.write(`${line}\n`);

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'admin-port': { type: 'string' },
    'data-dir': { type: 'string' },
    databases: { type: 'string', default: '' },
  },
});
const port = Number(values.port);
const adminPort = Number(values['admin-port']);
if (!Number.isInteger(port) || !Number.isInteger(adminPort) || !values['data-dir']) {
  process.stderr.write('usage: cli.ts --port <n> --admin-port <n> --data-dir <dir> [--databases a,b]\n');
  process.exit(2);
}
const databases = values.databases.split(',').filter(Boolean);
// Checked before anything starts: a bad value stops the process with one clear line.
let roles: ReturnType<typeof parseRolePasswords>;
try {
  roles = parseRolePasswords(process.env[ROLE_PASSWORDS_VARIABLE], databases);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
const dataDir = resolve(values['data-dir']);
const pgdata = join(dataDir, 'pgdata');
const superuserFile = join(dataDir, 'superuser.password');

/** initdb on the first run; the superuser's password is written first and lives beside its cluster. */
async function ensureCluster(binaries: PostgresBinaries, user: ServerUser | undefined): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  if (user && spawnSync('test', ['-x', dataDir], { uid: user.uid, gid: user.gid }).status !== 0) {
    throw new Error(
      `user ${user.name}, which runs the server, cannot reach ${dataDir}: make its parent directories ` +
        'traversable (chmod o+x) or use another --data-dir',
    );
  }
  if (!clusterExists(pgdata)) {
    await writeFile(superuserFile, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
    const superuserPassword = (await readFile(superuserFile, 'utf8')).trim();
    await initCluster({ binaries, dataDir: pgdata, user, superuserPassword });
    say(`initialised a PostgreSQL cluster in ${pgdata}`);
  }
  if (!existsSync(superuserFile)) {
    throw new Error(`${pgdata} exists without ${superuserFile}: remove ${dataDir} to start from scratch`);
  }
  return (await readFile(superuserFile, 'utf8')).trim();
}

async function main(): Promise<void> {
  const user = serverUser();
  const binaries = binariesFor(user);
  const superuserPassword = await ensureCluster(binaries, user);
  const adminUrl = `postgres://postgres:${encodeURIComponent(superuserPassword)}@${HOST}:${port}/postgres`;
  const server = await startServer({
    binaries,
    dataDir: pgdata,
    port,
    host: HOST,
    user,
    settings: LOCAL_SERVER_SETTINGS,
    onLog: (line) => process.stderr.write(`${line}\n`),
  });
  let started = false;
  let stopping = false;
  const probe = new pg.Pool({ connectionString: adminUrl, max: 1, connectionTimeoutMillis: 900 });
  probe.on('error', () => {}); // an idle probe connection dropped by a restart is replaced on the next probe
  const admin = await startAdminServer(adminPort, HOST, {
    started: () => started,
    alive: () => server.child.exitCode === null && server.child.signalCode === null,
    ready: async () => (await probe.query('SELECT 1')).rowCount === 1,
    metrics: () => renderMetrics(probe, databases),
  });
  const shutdown = async (code: number) => {
    stopping = true;
    admin.close();
    await probe.end().catch(() => {});
    await server.stop();
    process.exit(code);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown(0));
  void server.exited.then((code) => {
    if (stopping) return;
    process.stderr.write(`postgres exited on its own (${code})\n`);
    void shutdown(1);
  });
  await provisionDatabases(adminUrl, roles);
  started = true;
  say(`listening on ${HOST}:${port} (PostgreSQL 18, databases: ${databases.join(', ') || 'none'})`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`postgres-dev: ${(error as Error).message}\n`);
  process.exit(1);
}
