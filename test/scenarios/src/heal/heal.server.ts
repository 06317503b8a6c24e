import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HealMonitor } from './heal.state.ts';

/** Headers on every answer: JSON for the console only, never cached, never framed. */
const HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};
const MAX_BODY_BYTES = 4_096;
const ACTIONS = new Set(['kill', 'freeze', 'thaw', 'restart']);

class HttpError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * The heal view's API on 127.0.0.1 (the gateway's console proxies `/console/heal/*` here):
 * - `GET /heal/state`: processes, per-service charts, dependencies, edge, alerts, traffic, scenario run;
 * - with `Authorization: Bearer <ADMIN_TOKEN>`: `POST|DELETE /heal/faults/<replica>` (the replica's
 *   `/admin/faults`), `POST /heal/processes/<replica>/<action>` (the supervisor's), `POST /heal/traffic`,
 *   `POST /heal/scenarios/<name>`.
 * The token is checked here and passed on, so the services and the supervisor check it again.
 */
export async function startHealServer(options: {
  readonly monitor: HealMonitor;
  readonly port: number;
  readonly adminToken: string;
}): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    handle(options, request).then(
      ({ status, body }) => send(response, status, body),
      (error: Error) => {
        const status = error instanceof HttpError ? error.status : error instanceof RangeError ? 404 : 409;
        send(response, status, { error: error.message });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { server, url: `http://127.0.0.1:${port}` };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, HEADERS).end(JSON.stringify(body));
}

async function handle(
  options: { readonly monitor: HealMonitor; readonly adminToken: string },
  request: IncomingMessage,
): Promise<{ status: number; body: unknown }> {
  const { monitor } = options;
  const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
  const method = request.method ?? 'GET';
  if (method === 'GET' && path === '/healthz') return { status: 200, body: { ok: true } };
  if (method === 'GET' && path === '/heal/state') return { status: 200, body: monitor.state() };
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'heal' || (method !== 'POST' && method !== 'DELETE'))
    throw new HttpError(404, `no route ${method} ${path}`);
  const authorization = request.headers.authorization;
  if (authorization !== `Bearer ${options.adminToken}`) {
    throw new HttpError(401, 'changing the platform needs Authorization: Bearer <ADMIN_TOKEN>');
  }
  const body = method === 'POST' ? await readJson(request) : undefined;
  const target = monitor.target;
  if (!target) throw new HttpError(503, 'not connected to the platform yet');
  const [, kind, name = '', action] = parts;
  if (kind === 'faults' && parts.length === 3) {
    const answer = await target.admin(name, method, '/admin/faults', body);
    return { status: answer.status, body: answer.json };
  }
  if (kind === 'processes' && parts.length === 4 && method === 'POST') {
    if (!ACTIONS.has(action ?? '')) throw new HttpError(400, `unknown action '${action}'`);
    await target.act(name, action as 'kill');
    return { status: 202, body: { replica: name, action } };
  }
  if (kind === 'traffic' && parts.length === 2 && method === 'POST') {
    await monitor.setTraffic(trafficChange(body));
    return { status: 200, body: monitor.state().traffic };
  }
  if (kind === 'scenarios' && parts.length === 3 && method === 'POST') {
    await monitor.startScenario(name);
    return { status: 202, body: { scenario: name } };
  }
  throw new HttpError(404, `no route ${method} ${path}`);
}

function trafficChange(body: unknown): {
  running?: boolean;
  rate?: number;
  abuser?: boolean;
  badBodies?: boolean;
} {
  if (typeof body !== 'object' || body === null) throw new HttpError(400, 'expected a JSON object');
  const change: { running?: boolean; rate?: number; abuser?: boolean; badBodies?: boolean } = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'rate') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 500) {
        throw new HttpError(400, 'rate: expected a number of arrivals per second in 0..500');
      }
      change.rate = value;
    } else if (key === 'running' || key === 'abuser' || key === 'badBodies') {
      if (typeof value !== 'boolean') throw new HttpError(400, `${key}: expected true or false`);
      change[key] = value;
    } else {
      throw new HttpError(400, `unknown field '${key}': expected running, rate, abuser, badBodies`);
    }
  }
  return change;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request) {
    text += chunk;
    if (text.length > MAX_BODY_BYTES) throw new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`);
  }
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
}
