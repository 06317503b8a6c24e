#!/usr/bin/env node
// An embedded PostgreSQL instance of the local runtime:
//   POSTGRES_ROLE_PASSWORDS='{"orders":"…",…}' node infra/postgres-dev/src/cli.ts --name postgres-0 --port 7471 \
//     --admin-port 7475 --data-dir .data/postgres-0 --cluster-dir .data/postgres --backup-dir .data/backups \
//     --databases orders,inventory,payments,notifications
// With --cluster-dir it is one instance of a replicated cluster (CloudNativePG's instance manager, locally): its role
// comes from <cluster-dir>/cluster.json, written by the failover controller (infra/local). The primary initdbs
// once, gives each service a role and a database only it can connect to; a standby is a copy of the primary taken
// with the low-level backup API, streaming from it. Without --cluster-dir: one standalone server.
// Both serve /startupz, /livez, /readyz, /metrics (and, replicated, /status, POST /promote, POST /synchronous)
// on the admin port. SIGTERM or SIGINT: fast shutdown, exit 0. The server dying on its own: exit 1, for the
// supervisor to restart. A primary that learns another instance is the primary fences itself: SIGKILL, exit 1.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startAdminServer } from './admin.server.ts';
import { archiveSettings, walArchiveDir } from './archive.settings.ts';
import { takeBaseBackup } from './base.backup.ts';
import { initCluster } from './cluster.init.ts';
import {
  BOOTSTRAPPED_FILE,
  type ClusterState,
  readClusterState,
  SUPERUSER_PASSWORD_FILE,
} from './cluster.state.ts';
import { parseRolePasswords, ROLE_PASSWORDS_VARIABLE } from './database.credentials.ts';
import { provisionDatabases } from './database.provisioner.ts';
import { decideRole } from './instance.role.ts';
import { binariesFor, type PostgresBinaries } from './postgres.binaries.ts';
import { renderMetrics } from './postgres.metrics.ts';
import { startServer } from './postgres.server.ts';
import { instanceStatus, promote, setSynchronousStandby } from './replication.admin.ts';
import { LOCAL_SERVER_SETTINGS } from './server.settings.ts';
import { type ServerUser, serverUser } from './server.user.ts';
import { configureStandby, forgetCopy, readDisk, slotName } from './standby.config.ts';

const HOST = '127.0.0.1';
/** How often a running instance re-reads the cluster state (a fenced primary stops within this). */
const STATE_POLL_MS = 500;
const say = (line: string) => process.stdout.write(`${line}\n`);

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'postgres-0' },
    port: { type: 'string' },
    'admin-port': { type: 'string' },
    'data-dir': { type: 'string' },
    'cluster-dir': { type: 'string' },
    'backup-dir': { type: 'string' },
    databases: { type: 'string', default: '' },
  },
});
const port = Number(values.port);
const adminPort = Number(values['admin-port']);
if (!Number.isInteger(port) || !Number.isInteger(adminPort) || !values['data-dir']) {
  process.stderr.write(
    'usage: cli.ts --port <n> --admin-port <n> --data-dir <dir> [--databases a,b] [--name n --cluster-dir <dir>]\n',
  );
  process.exit(2);
}
const name = values.name;
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
const clusterDir = values['cluster-dir'] ? resolve(values['cluster-dir']) : undefined;
const backupDir = values['backup-dir'] ? resolve(values['backup-dir']) : undefined;
const pgdata = join(dataDir, 'pgdata');
const superuserFile = join(clusterDir ?? dataDir, SUPERUSER_PASSWORD_FILE);
const adminUrlOf = (password: string, at: number) =>
  `postgres://postgres:${encodeURIComponent(password)}@${HOST}:${at}/postgres`;

async function reachable(dir: string, user: ServerUser | undefined): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (user && spawnSync('test', ['-x', dir], { uid: user.uid, gid: user.gid }).status !== 0) {
    throw new Error(
      `user ${user.name}, which runs the server, cannot reach ${dir}: make its parent directories ` +
        'traversable (chmod o+x) or use another --data-dir',
    );
  }
}

/** The superuser's password: drawn before the first initdb, then read (a standby shares its primary's). */
async function superuserPassword(create: boolean): Promise<string> {
  if (!existsSync(superuserFile)) {
    if (!create)
      throw new Error(`${superuserFile} is missing: remove ${clusterDir ?? dataDir} to start over`);
    await mkdir(clusterDir ?? dataDir, { recursive: true });
    await writeFile(superuserFile, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
  }
  return (await readFile(superuserFile, 'utf8')).trim();
}

/** Prepares PGDATA for the role this instance has now; returns that role. */
async function prepare(
  binaries: PostgresBinaries,
  user: ServerUser | undefined,
  state: ClusterState | undefined,
): Promise<{ primary: boolean; promote: boolean; password: string }> {
  const bootstrapped = clusterDir ? existsSync(join(clusterDir, BOOTSTRAPPED_FILE)) : false;
  const role = decideRole(name, state, await readDisk(dataDir, pgdata), bootstrapped);
  if (role.kind === 'refuse') throw new Error(role.reason);
  if (role.kind === 'primary') {
    const password = await superuserPassword(role.bootstrap);
    if (role.bootstrap) {
      await initCluster({ binaries, dataDir: pgdata, user, superuserPassword: password });
      // The settings passed with -c, written to the file too: otherwise every reload (ALTER SYSTEM at a
      // failover) logs that the file's max_connections and shared_buffers "contain errors".
      await appendFile(
        join(pgdata, 'postgresql.conf'),
        `\n# infra/postgres-dev (server.settings.ts)\n${Object.entries(LOCAL_SERVER_SETTINGS)
          .map(([key, value]) => `${key} = '${value}'`)
          .join('\n')}\n`,
      );
      say(`initialised a PostgreSQL cluster in ${pgdata}`);
    }
    return { primary: true, promote: role.promote, password };
  }
  const password = await superuserPassword(false);
  if (role.rebuild) {
    // The old copy (a fenced primary's data above all) is thrown away, never started.
    await forgetCopy(dataDir);
    await waitForPrimary(adminUrlOf(password, role.address.port), role.primary);
    const began = performance.now();
    const backup = await takeBaseBackup({
      adminUrl: adminUrlOf(password, role.address.port),
      sourceDir: join(role.address.dataDir, 'pgdata'),
      targetDir: pgdata,
      user,
      label: `${name} from ${role.primary}`,
      slot: slotName(name),
    });
    await configureStandby(dataDir, pgdata, {
      instance: name,
      primary: role.primary,
      primaryPort: role.address.port,
      generation: state?.generation ?? 0,
      superuserPassword: password,
      user,
    });
    say(
      `copied ${role.primary} with the low-level backup API (${backup.startLsn} to ${backup.stopLsn}, ` +
        `${Math.round(backup.bytes / 1024 / 1024)} MB, ${Math.round(performance.now() - began)} ms): a standby of it`,
    );
  }
  return { primary: false, promote: false, password };
}

/** A standby copies a running primary: at a cold start both start together, so wait for it (bounded). */
async function waitForPrimary(
  url: string,
  primary: string,
  timeoutMs = 60_000,
  waiting = `waiting for the primary ${primary} to copy it`,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let said = false;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
      if (rows[0]?.recovery === false) return;
    } catch {
      // Not up yet.
    } finally {
      await client.end().catch(() => {});
    }
    if (performance.now() > deadline)
      throw new Error(`${primary} did not take connections within ${timeoutMs} ms`);
    if (!said) say(waiting);
    said = true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function main(): Promise<void> {
  const user = serverUser();
  const binaries = binariesFor(user);
  await reachable(dataDir, user);
  const state = clusterDir ? await readClusterState(clusterDir) : undefined;
  if (backupDir) {
    // The server (an unprivileged user when run as root) writes the archive.
    await reachable(walArchiveDir(backupDir), user);
    if (user) await chown(walArchiveDir(backupDir), user.uid, user.gid);
  }
  const prepared = await prepare(binaries, user, state);
  let primary = prepared.primary;
  const adminUrl = adminUrlOf(prepared.password, port);
  const restoring = primary && existsSync(join(pgdata, 'recovery.signal'));
  const server = await startServer({
    binaries,
    dataDir: pgdata,
    port,
    host: HOST,
    user,
    settings: { ...LOCAL_SERVER_SETTINGS, ...(backupDir ? archiveSettings(backupDir) : {}) },
    onLog: (line) => process.stderr.write(`${line}\n`),
  });
  if (restoring) {
    // A restore replays the archive, then promotes itself. The server takes read-only connections before that
    // end; the admin port stays shut until then, or the controller would see a standby named primary and promote
    // it, cutting the replay short and losing the WAL not replayed yet.
    await waitForPrimary(
      adminUrl,
      name,
      30 * 60_000,
      'replaying the WAL archive of a restore before serving',
    );
    say('archive replayed: restored primary takes writes');
  }
  if (primary) {
    if (prepared.promote) await promote(adminUrl);
    // The controller's current choice of synchronous standby, applied before the controller can see this
    // instance (its admin port is not up yet) and before the first commit of this start.
    const current = clusterDir ? await readClusterState(clusterDir) : undefined;
    if (current) await setSynchronousStandby(adminUrl, current.synchronousStandby, 0).catch(() => {});
  }
  let started = false;
  let stopping = false;
  const probe = new pg.Pool({ connectionString: adminUrl, max: 2, connectionTimeoutMillis: 900 });
  probe.on('error', () => {}); // an idle probe connection dropped by a restart is replaced on the next probe
  const admin = await startAdminServer(adminPort, HOST, {
    started: () => started,
    alive: () => server.child.exitCode === null && server.child.signalCode === null,
    // A primary is ready when it takes writes; a standby when it answers (hot standby, read-only).
    ready: async () =>
      (await probe.query<{ ok: boolean }>(`SELECT ${primary ? 'NOT pg_is_in_recovery()' : 'true'} AS ok`))
        .rows[0]?.ok === true,
    metrics: () => renderMetrics(probe, databases),
    ...(clusterDir
      ? {
          status: () => instanceStatus(adminUrl, name),
          command: async (path: string, body: unknown) => {
            if (path === '/promote') {
              await promote(adminUrl);
              primary = true;
              say(`promoted to primary`);
              return;
            }
            const standby = (body as { standby?: unknown }).standby;
            if (standby !== null && typeof standby !== 'string') throw new Error('standby: a name or null');
            await setSynchronousStandby(adminUrl, standby);
            say(
              standby
                ? `${standby} is the synchronous standby`
                : 'no synchronous standby: writes on one copy',
            );
          },
        }
      : {}),
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
  if (clusterDir) watchForFencing(clusterDir, () => primary, server.child.pid);
  if (primary) {
    await provisionDatabases(adminUrl, roles);
    if (clusterDir) await writeFile(join(clusterDir, BOOTSTRAPPED_FILE), `${name}\n`);
  }
  started = true;
  say(
    `listening on ${HOST}:${port} (PostgreSQL 18, ${primary ? 'primary' : 'standby'}, databases: ${databases.join(', ') || 'none'})`,
  );
}

/**
 * A primary that reads in the cluster state that another instance is the primary has been failed over (it was
 * frozen or cut off meanwhile): it kills its server at once, before it can take one more write, and exits.
 */
function watchForFencing(dir: string, isPrimary: () => boolean, postmaster: number | undefined): void {
  const timer = setInterval(() => {
    if (!isPrimary()) return;
    void readClusterState(dir).then(
      (state) => {
        if (state.primary === name) return;
        clearInterval(timer);
        if (postmaster) process.kill(postmaster, 'SIGKILL');
        process.stderr.write(
          `fenced: ${state.primary} is the primary since generation ${state.generation}; stopped at once\n`,
        );
        process.exit(1);
      },
      () => {},
    );
  }, STATE_POLL_MS);
  timer.unref();
}

try {
  await main();
} catch (error) {
  process.stderr.write(`postgres-dev: ${(error as Error).message}\n`);
  // A half-made standby copy must not be mistaken for a good one on the next start.
  if (existsSync(join(pgdata, 'backup_label')) && !existsSync(join(dataDir, 'standby.json'))) {
    await rm(pgdata, { recursive: true, force: true });
  }
  process.exit(1);
}
