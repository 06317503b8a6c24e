import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { WebhookAlert } from './action.types.ts';
import type { RemediationController } from './remediation.controller.ts';

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** Checks a webhook body just enough to act on it safely. */
export function parseWebhook(text: string): WebhookAlert[] {
  const body = JSON.parse(text) as { alerts?: unknown };
  if (!Array.isArray(body.alerts)) throw new Error('expected an Alertmanager webhook body with "alerts"');
  return body.alerts.map((raw, i) => {
    const a = raw as Partial<WebhookAlert>;
    if (
      (a.status !== 'firing' && a.status !== 'resolved') ||
      typeof a.labels !== 'object' ||
      a.labels === null
    ) {
      throw new Error(`alerts[${i}]: expected status firing|resolved and labels`);
    }
    return {
      status: a.status,
      labels: a.labels,
      annotations: a.annotations ?? {},
      startsAt: String(a.startsAt ?? ''),
      fingerprint: String(a.fingerprint ?? ''),
    };
  });
}

/**
 * `POST /alerts` (Alertmanager webhook), `GET /audit` (JSON, newest first), `GET /metrics`, `GET /healthz`.
 * The webhook is answered once every alert in it is decided, so Alertmanager retries a notification that failed.
 */
export async function startRemediationServer(options: {
  readonly controller: Pick<RemediationController, 'handle' | 'audit' | 'metrics'>;
  readonly host?: string;
  readonly port: number;
}): Promise<{ url: string; close(): Promise<void> }> {
  const { controller } = options;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path === '/alerts') {
      readBody(req)
        .then((text) => controller.handle(parseWebhook(text)))
        .then(
          () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}\n'),
          (error: Error) =>
            res
              .writeHead(400, { 'content-type': 'application/json' })
              .end(`${JSON.stringify({ error: error.message })}\n`),
        );
      return;
    }
    if (req.method !== 'GET') return void res.writeHead(405, { allow: 'GET, POST' }).end();
    if (path === '/audit') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(`${JSON.stringify(controller.audit())}\n`);
    } else if (path === '/metrics') {
      res
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
        .end(controller.metrics());
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('try POST /alerts, GET /audit, /metrics, /healthz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('remediation server has no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
