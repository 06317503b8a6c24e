import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Role name → password, one role per service database. */
export type RolePasswords = Readonly<Record<string, string>>;

/**
 * The passwords of the service roles, kept in `file` (mode 0600) so the supervisor, which hands each service its
 * URL, and the server, which sets them, agree. Missing roles get a fresh random password; the file is rewritten
 * only when one was added. Synchronous: the topology is resolved synchronously.
 */
export function loadRolePasswords(file: string, roles: readonly string[]): RolePasswords {
  const stored: Record<string, string> = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)
    : {};
  const missing = roles.filter((role) => typeof stored[role] !== 'string');
  if (missing.length === 0) return stored;
  for (const role of missing) stored[role] = randomBytes(18).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  return stored;
}

/** `postgres://<role>:<password>@<address>/<role>`: a service's URL to its own database. */
export function serviceDatabaseUrl(address: string, role: string, password: string): string {
  return `postgres://${role}:${encodeURIComponent(password)}@${address}/${role}`;
}
