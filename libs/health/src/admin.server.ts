import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthProbes, ProbeKind, ProbeReport } from './health.probes.ts';

/** Handles one admin request. Throwing answers 500 with the message; the server keeps running. */
export type AdminRouteHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
) => void | Promise<void>;

export type AdminMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface AdminServerOptions {
  readonly probes: HealthProbes;
  /** From configuration; 0 picks a free port (tests). */
  readonly port: number;
  /** Default 0.0.0.0 so kubelets can probe; tests use 127.0.0.1. */
  readonly host?: string;
}

const paths: Record<string, ProbeKind> = {
  '/livez': 'liveness',
  '/readyz': 'readiness',
  '/startupz': 'startup',
};

/** Kubernetes-style text: `ok`, or with `?verbose` one `[+]`/`[-]` line per check. */
export function renderProbeReport(report: ProbeReport, verbose: boolean): string {
  const name =
    Object.keys(paths)
      .find((path) => paths[path] === report.kind)
      ?.slice(1) ?? report.kind;
  const verdict = report.ok ? `${name} check passed` : `${name} check failed`;
  if (!verbose) return report.ok ? 'ok\n' : `${verdict}\n`;
  const lines = report.checks.map((check) => {
    const detail = check.detail ? `: ${check.detail}` : '';
    return check.ok ? `[+]${check.name} ok${detail}` : `[-]${check.name} failed${detail}`;
  });
  return `${[...lines, verdict].join('\n')}\n`;
}

/**
 * The admin HTTP server (node:http), on its own port apart from traffic: `/livez`, `/readyz`, `/startupz`
 * (200 or 503; `?verbose` lists each check), plus routes other libraries register (`/metrics`, fault injection).
 */
export class AdminServer {
  readonly #routes = new Map<string, AdminRouteHandler>();
  readonly #options: AdminServerOptions;
  readonly #server: Server;

  constructor(options: AdminServerOptions) {
    this.#options = options;
    this.#server = createServer((request, response) => void this.#handle(request, response));
    for (const [path, kind] of Object.entries(paths)) {
      this.route('GET', path, async (_request, response, url) => {
        const report = await options.probes.evaluate(kind);
        response.writeHead(report.ok ? 200 : 503, {
          'content-type': 'text/plain; charset=utf-8',
          'cache-control': 'no-store',
        });
        response.end(renderProbeReport(report, url.searchParams.has('verbose')));
      });
    }
  }

  /** Registers a route (exact path). A path registered twice is a programming error and throws. */
  route(method: AdminMethod, path: string, handler: AdminRouteHandler): this {
    const key = `${method} ${path}`;
    if (this.#routes.has(key)) throw new Error(`admin route ${key} is already registered`);
    this.#routes.set(key, handler);
    return this;
  }

  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host ?? '0.0.0.0', () => {
        this.#server.off('error', reject);
        resolve((this.#server.address() as AddressInfo).port);
      });
    });
  }

  /** The bound port (after {@link listen}). */
  get port(): number {
    const address = this.#server.address();
    if (!address || typeof address === 'string') throw new Error('the admin server is not listening');
    return address.port;
  }

  /** Stops accepting connections and ends open ones; resolves when closed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  /** The underlying node:http server, for what this API does not cover. */
  unwrap(): Server {
    return this.#server;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://admin');
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const handler = this.#routes.get(`${method} ${url.pathname}`);
    if (!handler) {
      const allowed = [...this.#routes.keys()].some((key) => key.endsWith(` ${url.pathname}`));
      response.writeHead(allowed ? 405 : 404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(allowed ? 'method not allowed\n' : 'not found\n');
      return;
    }
    try {
      await handler(request, response, url);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`admin route failed: ${message}\n`);
    }
  }
}
