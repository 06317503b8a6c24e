import { createHash, randomUUID } from 'node:crypto';
import { type PostgresServer, startPostgres } from './postgres.harness.ts';

/** The services that own a database (as in infra/local's topology): each gets `<SERVICE>_DATABASE_URL`. */
export const DATABASE_SERVICES: readonly string[] = ['orders', 'inventory', 'payments', 'notifications'];

let shared: Promise<PostgresServer> | undefined;
const databases = new Map<string, Promise<string>>();

/** One embedded PostgreSQL per test process, started on first use and stopped when the process is done. */
function sharedServer(): Promise<PostgresServer> {
  if (!shared) {
    shared = startPostgres({ keepProcessAlive: false });
    let stopped = false;
    process.on('beforeExit', () => {
      if (stopped) return;
      stopped = true;
      void shared?.then((server) => server.stop());
    });
  }
  return shared;
}

/**
 * The URL of `service`'s own database for a service process started by a test, as the local runtime hands it
 * `<SERVICE>_DATABASE_URL`: a database per service on this test process's embedded PostgreSQL. Keyed by the
 * process's `DATA_DIR`, so a service restarted on the same data dir finds its data again, and two services or
 * two suites never share a database. Without a data dir, a fresh database each call.
 */
export function serviceDatabaseUrl(service: string, dataDir?: string): Promise<string> {
  const key = createHash('sha256')
    .update(dataDir ?? randomUUID())
    .digest('hex')
    .slice(0, 12);
  const name = `${service.replace(/[^a-z0-9_]/g, '_')}_${key}`;
  let url = databases.get(name);
  if (!url) {
    url = sharedServer().then((server) => server.createDatabase(name));
    databases.set(name, url);
  }
  return url;
}
