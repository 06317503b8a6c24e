import { appendFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One alert of an Alertmanager webhook notification (payload version 4). */
export interface ReceivedAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
}

/** One POST from Alertmanager, with the receiver named by the URL path (`/alerts/<receiver>`). */
export interface Notification {
  readonly receiver: string;
  readonly status: 'firing' | 'resolved';
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly alerts: readonly ReceivedAlert[];
  readonly receivedAt: string;
}

export interface WebhookReceiverOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Appends every notification as one JSON line (the local runtime keeps them under `.data/`). */
  readonly file?: string;
  /** Called with one human line per alert (`FIRING [page] ServiceDown service=orders: summary`). */
  readonly log?: (line: string) => void;
  /** Keeps at most this many notifications in memory for `GET /alerts` (default 1000). */
  readonly keep?: number;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly port: number;
  /** Every notification received so far, oldest first. */
  notifications(): readonly Notification[];
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** One line per alert, the way an on-call phone would show it. */
export function formatAlert(receiver: string, alert: ReceivedAlert): string {
  const { alertname = '?', severity = '-', ...rest } = alert.labels;
  const labels = Object.entries(rest)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const summary = alert.annotations.summary ? `: ${alert.annotations.summary}` : '';
  return `${alert.status.toUpperCase()} [${severity}] ${alertname} ${labels} (${receiver})${summary}`;
}

/**
 * A tiny Alertmanager webhook target: `POST /alerts/<receiver>` stores the notification (memory and an
 * optional JSON-lines file) and logs a line per alert; `GET /alerts` returns what arrived; `GET /healthz`.
 * It stands in for a pager locally and lets tests assert which receiver got which alert.
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const received: Notification[] = [];
  const keep = options.keep ?? 1000;
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    if (request.method === 'GET' && path === '/healthz') return void response.end('ok\n');
    if (request.method === 'GET' && path === '/alerts') {
      response.setHeader('content-type', 'application/json');
      return void response.end(JSON.stringify(received));
    }
    const match = /^\/alerts\/([A-Za-z0-9_.-]+)$/.exec(path);
    if (request.method !== 'POST' || !match) {
      response.statusCode = 404;
      return void response.end('not found\n');
    }
    const receiver = match[1] ?? 'unknown';
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', () => {
      let body: Partial<Notification>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<Notification>;
      } catch {
        response.statusCode = 400;
        return void response.end('malformed JSON\n');
      }
      if (!Array.isArray(body.alerts)) {
        response.statusCode = 400;
        return void response.end('no alerts array\n');
      }
      const notification: Notification = {
        receiver,
        status: body.status ?? 'firing',
        groupLabels: body.groupLabels ?? {},
        alerts: body.alerts,
        receivedAt: new Date().toISOString(),
      };
      received.push(notification);
      if (received.length > keep) received.shift();
      if (options.file) appendFileSync(options.file, `${JSON.stringify(notification)}\n`);
      for (const alert of notification.alerts) options.log?.(formatAlert(receiver, alert));
      response.end('ok\n');
    });
  });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    notifications: () => [...received],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
