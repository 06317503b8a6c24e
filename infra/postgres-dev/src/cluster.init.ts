import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PostgresBinaries } from './postgres.binaries.ts';
import type { ServerUser } from './server.user.ts';

export interface InitClusterOptions {
  readonly binaries: PostgresBinaries;
  /** PGDATA; created by this call, never reused half-made (initdb runs in a sibling dir, then it is renamed). */
  readonly dataDir: string;
  /** Who owns the files and runs the server; `undefined` = this process's user. */
  readonly user: ServerUser | undefined;
  /** Superuser name. Default `postgres`. */
  readonly superuser?: string;
  /**
   * With a password, every TCP connection authenticates with SCRAM-SHA-256 (the local runtime). Without one,
   * connections are trusted (throwaway test clusters on 127.0.0.1).
   */
  readonly superuserPassword?: string;
  /** Skip initdb's fsync (test clusters). */
  readonly noSync?: boolean;
}

/** Whether `dataDir` already holds an initialised cluster. */
export function clusterExists(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

async function run(binary: string, args: readonly string[], user: ServerUser | undefined): Promise<void> {
  const child = spawn(binary, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`${binary} exited with ${code}:\n${output}`);
}

/**
 * `initdb` once: UTF8, locale C, owned by `user`. Resolves `false` without touching anything when the cluster
 * already exists. A crash half-way leaves only the sibling `<dataDir>.init` behind, removed on the next try.
 */
export async function initCluster(options: InitClusterOptions): Promise<boolean> {
  if (clusterExists(options.dataDir)) return false;
  const staging = `${options.dataDir}.init`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(dirname(options.dataDir), { recursive: true });
  await mkdir(staging, { mode: 0o700 });
  const { user } = options;
  if (user) await chown(staging, user.uid, user.gid);
  const args = ['-D', staging, '-U', options.superuser ?? 'postgres', '-E', 'UTF8', '--locale=C'];
  if (options.noSync) args.push('--no-sync');
  const passwordFile = `${staging}/../.${Date.now().toString(36)}.pwfile`;
  try {
    if (options.superuserPassword === undefined) {
      args.push('--auth=trust');
    } else {
      await writeFile(passwordFile, `${options.superuserPassword}\n`, { mode: 0o600 });
      if (user) await chown(passwordFile, user.uid, user.gid);
      args.push('--auth=scram-sha-256', `--pwfile=${passwordFile}`);
    }
    await run(options.binaries.initdb, args, user);
  } finally {
    await rm(passwordFile, { force: true });
  }
  await rm(options.dataDir, { recursive: true, force: true });
  await rename(staging, options.dataDir);
  return true;
}
