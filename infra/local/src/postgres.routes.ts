import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PostgresCluster } from './postgres.cluster.ts';

function json(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
  return true;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      if (text.length > 4_096) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

/** `{"to": "latest" | "<ISO time>"}` → the restore target, or an error line. */
export function parseRestoreTarget(text: string): Date | 'latest' | { error: string } {
  let body: unknown;
  try {
    body = text.trim() ? JSON.parse(text) : {};
  } catch {
    return { error: 'the body must be JSON: {"to": "latest" | "<ISO time>"}' };
  }
  const to = (body as { to?: unknown } | null)?.to;
  if (to === 'latest') return 'latest';
  const at = typeof to === 'string' ? new Date(to) : undefined;
  if (!at || Number.isNaN(at.getTime())) {
    return {
      error: `"to" must be "latest" or an ISO time (2026-12-07T11:30:00Z), not ${JSON.stringify(to)}`,
    };
  }
  return at;
}

/**
 * The replicated PostgreSQL's routes on the supervisor's control server (POSTs need the control token):
 * - `POST /postgres/restore` `{"to": "latest" | "<ISO time>"}`: restores from the base backups and the WAL archive
 *   while the platform runs (`restoreCopies`); answers once the restored instances are supervised again, with
 *   the backup used. The read-write endpoint follows the restored primary once it has replayed the archive.
 * - `POST /postgres/destroy`: the restore drill's disaster (`destroyCopies`): both instances SIGKILLed, taken off
 *   supervision, their data directories deleted.
 * One operation at a time: another while one runs is refused (409).
 */
export function postgresRoutes(clusters: () => readonly PostgresCluster[]) {
  let busy: string | undefined;
  return (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    if (path !== '/postgres/restore' && path !== '/postgres/destroy') return false;
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return true;
    }
    const cluster = clusters()[0];
    if (!cluster) {
      req.resume();
      return json(res, 404, { error: 'this platform runs no replicated PostgreSQL' });
    }
    if (busy) {
      req.resume();
      return json(res, 409, { error: `a ${busy} is under way` });
    }
    const operation = path === '/postgres/restore' ? 'restore' : 'destroy';
    busy = operation;
    void (async () => {
      try {
        if (operation === 'destroy') {
          req.resume();
          json(res, 200, await cluster.destroy());
          return;
        }
        const target = parseRestoreTarget(await readBody(req));
        if (typeof target === 'object' && 'error' in target) {
          json(res, 400, target);
          return;
        }
        const { backup, primary } = await cluster.restore(target);
        json(res, 200, { backup: backup.id, primary });
      } catch (error) {
        json(res, 500, { error: (error as Error).message });
      } finally {
        busy = undefined;
      }
    })();
    return true;
  };
}
