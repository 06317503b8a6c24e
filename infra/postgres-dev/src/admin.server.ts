import { createServer, type Server } from 'node:http';

export interface AdminChecks {
  /** `/startupz`: the cluster is initialised, the server started and the roles provisioned. */
  started(): boolean;
  /** `/livez`: the server process is alive (process-local, never a query). */
  alive(): boolean;
  /** `/readyz`: a query round trip works. */
  ready(): Promise<boolean>;
  /** `/metrics`: Prometheus text. */
  metrics(): Promise<string>;
}

/** The same admin endpoints as every service (`libs/health`'s paths), so the supervisor probes it alike. */
export async function startAdminServer(port: number, host: string, checks: AdminChecks): Promise<Server> {
  const server = createServer((request, response) => {
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
