import pg from 'pg';
import type { RolePasswords } from './database.credentials.ts';

/** Names that need no quoting, so they can be written into DDL (roles and databases cannot be parameters). */
const identifier = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Database per service, enforced: for each role a LOGIN role with its password (set again on every call, so the
 * credentials file is the source of truth) and a database of the same name that it owns. CONNECT is revoked
 * from PUBLIC on every database, so a role reaches only its own (superusers excepted). Idempotent.
 */
export async function provisionDatabases(adminUrl: string, roles: RolePasswords): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const [role, password] of Object.entries(roles)) {
      if (!identifier.test(role)) throw new Error(`invalid role name '${role}'`);
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      const verb = exists.rowCount ? 'ALTER' : 'CREATE';
      await client.query(
        `${verb} ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${client.escapeLiteral(password)}`,
      );
      const database = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [role]);
      if (!database.rowCount) await client.query(`CREATE DATABASE ${role} OWNER ${role}`);
    }
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datallowconn',
    );
    for (const { datname } of rows) {
      await client.query(
        `REVOKE CONNECT, TEMPORARY ON DATABASE ${client.escapeIdentifier(datname)} FROM PUBLIC`,
      );
    }
  } finally {
    await client.end();
  }
}
