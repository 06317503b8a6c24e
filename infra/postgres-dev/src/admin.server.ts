import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface AdminChecks {
  /** `/startupz`: the cluster is initialised, the server started and the roles provisioned. */
  started(): boolean;
  /** `/livez`: the server process is alive (process-local, never a query). */
  alive(): boolean;
  /** `/readyz`: a query round trip works. */
  ready(): Promise<boolean>;
  /** `/metrics`: Prometheus text. */
  metrics(): Promise<string>;
  /** `GET /status`: the instance's replication status as JSON (replicated instances only). */
  status?(): Promise<unknown>;
  /** `POST /promote`, `POST /synchronous` (`{"standby": name | null}`): the failover controller's commands. */
  command?(path: string, body: unknown): Promise<void>;
}

const COMMANDS = new Set(['/promote', '/synchronous']);

/** The same admin endpoints as every service (`libs/health`'s paths), so the supervisor probes it alike. */
export async function startAdminServer(port: number, host: string, checks: AdminChecks): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method === 'POST' && checks.command && COMMANDS.has(request.url ?? '')) {
      return void runCommand(request, response, checks.command);
    }
    const answer = (ok: boolean) => {
      response.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      response.end(ok ? 'ok\n' : 'not ok\n');
    };
    switch (request.url) {
      case '/startupz':
        return answer(checks.started());
      case '/livez':
        return answer(checks.alive());
      case '/readyz':
        return void checks.ready().then(answer, () => answer(false));
      case '/metrics':
        return void checks.metrics().then((text) => {
          response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
          response.end(text);
        });
      case '/status':
        if (!checks.status) return void response.writeHead(404).end();
        return void checks.status().then(
          (status) => json(response, 200, status),
          (error: Error) => json(response, 503, { error: error.message }),
        );
      default:
        response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}

function json(response: ServerResponse, code: number, body: unknown): void {
  response.writeHead(code, { 'content-type': 'application/json' });
  response.end(`${JSON.stringify(body)}\n`);
}

async function runCommand(
  request: IncomingMessage,
  response: ServerResponse,
  command: NonNullable<AdminChecks['command']>,
): Promise<void> {
  let text = '';
  for await (const chunk of request) text += chunk;
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    return json(response, 400, { error: 'the body is not JSON' });
  }
  try {
    await command(request.url ?? '', body);
    json(response, 200, { ok: true });
  } catch (error) {
    json(response, 503, { error: (error as Error).message });
  }
}
