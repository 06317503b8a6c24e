import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { renderMetrics } from './metrics.text.ts';
import { REPLICA_ACTIONS, type ReplicaAction } from './platform.supervisor.ts';
import type { StatusReport } from './status.types.ts';

/** What `.data/local/supervisor.json` holds while a supervisor runs. */
export interface SupervisorFile {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly startedAt: string;
}

/** The services' admin token when ADMIN_TOKEN is not set (libs/service-defaults' documented local default). */
const DEFAULT_ADMIN_TOKEN = 'rebound-local-admin';

/** The token the control server asks of every POST, and its clients send: the services' ADMIN_TOKEN. */
export function controlToken(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.ADMIN_TOKEN ?? DEFAULT_ADMIN_TOKEN;
}

export interface ControlServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** What `POST /processes/<replica>/<action>` does: the supervisor's `act`. */
export type ReplicaActor = (name: string, action: ReplicaAction) => { pid: number } | { error: string };

/**
 * The supervisor's control endpoint on 127.0.0.1: `GET /status` (JSON), `GET /metrics` (Prometheus text), and
 * with `act`: `POST /processes/<replica>/<kill|freeze|thaw|restart>`. Every POST (these, and those of `routes`:
 * rollouts, the remediation controller's) needs `Authorization: Bearer <token>`, a header a browser page on another
 * origin cannot send without a preflight this server never grants.
 * Its address is written to `stateFile` so `status` and Prometheus find it; the file goes away on close.
 */
export async function startControlServer(options: {
  readonly status: () => StatusReport;
  readonly act?: ReplicaActor;
  /** The bearer token every POST requires, whichever route serves it (the services' ADMIN_TOKEN). */
  readonly token?: string;
  readonly stateFile: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** More routes (rollouts: `src/rollout.routes.ts`); returns false for a path it does not serve. */
  readonly routes?: (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
  /** More Prometheus text appended to /metrics (rollouts, the replicated PostgreSQL). */
  readonly metrics?: () => string;
}): Promise<ControlServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'POST') {
      // Every change needs the token, whichever route serves it (rollouts, replica routes, process actions).
      const refused = refusal(req.headers.authorization, options.token);
      if (!refused && options.routes?.(req, res, path)) return;
      req.resume();
      const { status, body } =
        refused ??
        (path.startsWith('/processes/')
          ? answerAction(path, options)
          : { status: 404, body: { error: `no route POST ${path}` } });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (options.routes?.(req, res, path)) return;
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/status') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(options.status()));
    } else if (path === '/metrics') {
      res
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
        .end(renderMetrics(options.status()) + (options.metrics?.() ?? ''));
    } else {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('try /status, /metrics or POST /processes/<replica>/<action>\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('control server has no address');
  const url = `http://127.0.0.1:${address.port}`;
  const file: SupervisorFile = {
    pid: process.pid,
    port: address.port,
    url,
    startedAt: new Date().toISOString(),
  };
  await mkdir(dirname(options.stateFile), { recursive: true });
  await writeFile(options.stateFile, `${JSON.stringify(file, null, 2)}\n`);
  // Prometheus's file_sd target for this supervisor (infra/prometheus/prometheus.yml, job rebound-supervisor).
  const targetsFile = join(dirname(options.stateFile), 'prometheus-targets.json');
  await writeFile(
    targetsFile,
    `${JSON.stringify([{ targets: [`127.0.0.1:${address.port}`], labels: {} }])}\n`,
  );
  return {
    port: address.port,
    url,
    async close() {
      await rm(options.stateFile, { force: true });
      await rm(targetsFile, { force: true });
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Answer = { status: number; body: Record<string, unknown> };

/** Why a POST is refused before any route sees it: no token configured, or not the right one. */
function refusal(authorization: string | undefined, token: string | undefined): Answer | undefined {
  if (!token) return { status: 404, body: { error: 'control actions are not enabled (no token)' } };
  if (authorization !== `Bearer ${token}`)
    return { status: 401, body: { error: 'control actions need Authorization: Bearer <ADMIN_TOKEN>' } };
  return undefined;
}

function answerAction(path: string, options: { readonly act?: ReplicaActor }): Answer {
  if (!options.act) return { status: 404, body: { error: 'process actions are not enabled' } };
  const [, , name = '', action = ''] = path.split('/');
  if (!(REPLICA_ACTIONS as readonly string[]).includes(action)) {
    const error = `unknown action '${action}': expected one of ${REPLICA_ACTIONS.join(', ')}`;
    return { status: 400, body: { error } };
  }
  const outcome = options.act(decodeURIComponent(name), action as ReplicaAction);
  if ('error' in outcome)
    return { status: outcome.error.startsWith('no replica') ? 404 : 409, body: outcome };
  return { status: 202, body: { replica: name, action, pid: outcome.pid } };
}
