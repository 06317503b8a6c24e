/** Role name → password, one role per service database. */
export type RolePasswords = Readonly<Record<string, string>>;

/** The variable that hands the server the service roles' passwords (JSON), so they never sit in argv. */
export const ROLE_PASSWORDS_VARIABLE = 'POSTGRES_ROLE_PASSWORDS';

/**
 * Reads `{"orders": "<password>", ...}`: every database of `databases` must have a non-empty password, and
 * nothing else may be there.
 */
export function parseRolePasswords(json: string | undefined, databases: readonly string[]): RolePasswords {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json ?? '{}');
  } catch {
    throw new Error(`${ROLE_PASSWORDS_VARIABLE} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${ROLE_PASSWORDS_VARIABLE} must be an object of role -> password`);
  }
  const passwords = parsed as Record<string, unknown>;
  for (const database of databases) {
    const password = passwords[database];
    if (typeof password !== 'string' || password.length === 0) {
      throw new Error(`${ROLE_PASSWORDS_VARIABLE} has no password for role '${database}'`);
    }
  }
  const extra = Object.keys(passwords).filter((role) => !databases.includes(role));
  if (extra.length > 0)
    throw new Error(`${ROLE_PASSWORDS_VARIABLE} names roles not in --databases: ${extra}`);
  return passwords as RolePasswords;
}

/** `postgres://<role>:<password>@<address>/<role>`: a service's URL to its own database. */
export function serviceDatabaseUrl(address: string, role: string, password: string): string {
  return `postgres://${role}:${encodeURIComponent(password)}@${address}/${role}`;
}
