import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { skipUnlessBinary } from './system-binary.ts';

/**
 * Where Debian's `postgresql` package put `initdb` and `postgres`: on PATH, or the newest
 * `/usr/lib/postgresql/<version>/bin` (Debian does not put them on PATH).
 */
export function findPostgresBinDir(): string | undefined {
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (onPath.status === 0) {
    const resolved = spawnSync('readlink', ['-f', onPath.stdout.trim()], { encoding: 'utf8' }).stdout.trim();
    if (resolved) return join(resolved, '..');
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((version) => existsSync(join(root, version, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** `skipUnlessBinary` semantics for PostgreSQL: false when the server binaries exist, else the skip reason. */
export function skipUnlessPostgres(): false | string {
  if (findPostgresBinDir()) return false;
  return skipUnlessBinary('initdb', 'postgresql');
}

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth, no password). */
  readonly url: string;
  readonly port: number;
  /** Stops the server but keeps its data and port (to test "database down"); {@link start} brings it back. */
  halt(): Promise<void>;
  /** Starts a halted server again on the same port. */
  start(): Promise<void>;
  /** Stops the server and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * A throwaway PostgreSQL cluster in a temp dir: initdb, then `postgres` on a free port on 127.0.0.1 with its
 * unix socket in the temp dir, tuned for tests (no fsync). Run as root, the server runs as the `postgres` user in
 * a dir it owns. Everything is removed on `stop()`, and on any failure while starting.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = findPostgresBinDir();
  if (!bin) throw new Error("PostgreSQL not found: install it with 'apt-get install -y postgresql'");
  const dir = await mkdtemp(join(tmpdir(), 'rebound-pg-'));
  const dataDir = join(dir, 'data');
  let ids: { uid: number; gid: number } | undefined;
  if (process.getuid?.() === 0) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    if (!Number.isInteger(uid) || !Number.isInteger(gid))
      throw new Error('running as root but no postgres user');
    ids = { uid, gid };
    await chown(dir, uid, gid);
  }
  let child: ChildProcess | undefined;
  const port = await freePort();

  const run = (args: string[]) => {
    const result = spawnSync(join(bin, args[0]!), args.slice(1), {
      encoding: 'utf8',
      cwd: dir,
      ...(ids ?? {}),
    });
    if (result.status !== 0)
      throw new Error(`${args[0]} failed: ${result.stderr || result.stdout || result.error}`);
  };

  const start = async () => {
    const server = spawn(
      join(bin, 'postgres'),
      ['-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', dir]
        .concat(['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'])
        .concat(['-c', 'max_connections=50', '-c', 'log_min_messages=warning']),
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], ...(ids ?? {}) },
    );
    running.add(server);
    child = server;
    server.once('exit', () => running.delete(server));
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        log += chunk.toString('utf8');
        if (log.includes('ready to accept connections')) {
          server.stderr?.off('data', onData);
          server.stderr?.resume();
          resolve();
        }
      };
      server.stderr?.on('data', onData);
      server.once('exit', (code) =>
        reject(new Error(`postgres exited with ${code} while starting:\n${log}`)),
      );
      server.once('error', reject);
    });
  };

  const halt = async () => {
    const server = child;
    child = undefined;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const exited = once(server, 'exit');
    server.kill('SIGINT'); // fast shutdown: abort sessions, then exit
    const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= halt().finally(() => rm(dir, { recursive: true, force: true }));
    return stopped;
  };

  try {
    await mkdir(dataDir, { mode: 0o700 });
    if (ids) await chown(dataDir, ids.uid, ids.gid);
    run(['initdb', '-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    await start();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    halt,
    start,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
