import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface PgliteDevOptions {
  /** Where the database files live; `undefined` keeps the database in memory (tests). */
  readonly dataDir?: string | undefined;
  readonly host?: string;
  /** 0 picks a free port; read the chosen one from the result. */
  readonly port?: number;
  /**
   * Client connections served at once. PGlite is one backend: statements from all connections run one
   * at a time, and a transaction holds the others back until it ends.
   */
  readonly maxConnections?: number;
}

export interface PgliteDev {
  readonly host: string;
  readonly port: number;
  /** A `postgres://` URL that `pg` (and so `libs/storage`) connects with. */
  readonly url: string;
  /** Stops accepting, closes the connections, then closes the database so it is consistent on disk. */
  close(): Promise<void>;
}

/** Starts a PGlite database served over the PostgreSQL wire protocol on one TCP port. */
export async function startPgliteDev({
  dataDir,
  host = '127.0.0.1',
  port = 0,
  maxConnections = 32,
}: PgliteDevOptions = {}): Promise<PgliteDev> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  const server = new PGLiteSocketServer({ db, host, port, maxConnections });
  await server.start();
  const boundPort = Number(server.getServerConn().split(':').pop());
  let closing: Promise<void> | undefined;
  return {
    host,
    port: boundPort,
    url: `postgres://postgres@${host}:${boundPort}/postgres`,
    close() {
      closing ??= (async () => {
        await server.stop();
        await db.close();
      })();
      return closing;
    },
  };
}
