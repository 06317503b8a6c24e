import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Options of {@link ConnectionDrain}. */
export interface ConnectionDrainOptions {
  /** True once the process is leaving (readiness off); from then on each request's answer closes its connection. */
  readonly leaving?: () => boolean;
}

/**
 * Closes the traffic server's keep-alive connections as the drain goes, so that `server.close()` (Fastify's
 * `close()`, which Nest's `app.close()` ends with) completes as soon as the in-flight requests are answered.
 *
 * Without it the drain waits out its bound: `server.close()` stops accepting and closes the connections idle at
 * that moment (Node ≥ 19 calls `closeIdleConnections()` once), and Fastify's `return503OnClosing` only answers
 * requests that arrive later. A connection that is busy at close time answers its request with
 * `Connection: keep-alive` and then stays open, idle, until the client or `keepAliveTimeout` (72 s in Fastify)
 * ends it; the close callback, and so the drain, waits for it. `forceCloseConnections: true` is no answer either:
 * it destroys busy connections too, cutting off the very requests the drain is for.
 *
 * Once {@link start}ed, every response that has not sent its head yet says `Connection: close` (Node then ends
 * the connection after it), and every response that ends closes the connections that are idle by then, which
 * also covers a response whose head had already gone out as keep-alive. Before that, from the moment `leaving`
 * turns true (readiness off, the start of the drain delay), requests are still served but each answer closes its
 * connection: a load balancer stops sending new connections to a pod that is not ready, but a keep-alive client
 * keeps using the one it has, so this moves it to a fresh connection (another pod) before the drain refuses it.
 */
export class ConnectionDrain {
  readonly #server: Server;
  readonly #leaving: () => boolean;
  readonly #open = new Set<ServerResponse>();
  #draining = false;

  constructor(server: Server, options: ConnectionDrainOptions = {}) {
    this.#server = server;
    this.#leaving = options.leaving ?? (() => false);
    // Before the framework's own listener, so that no response has sent its head yet when it is seen here.
    server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) =>
      this.#track(response),
    );
  }

  /** True once {@link start} was called. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Connections close once their response is out, idle ones at once and as they become idle. Idempotent. */
  start(): void {
    if (this.#draining) return;
    this.#draining = true;
    for (const response of this.#open) closeAfter(response);
    this.#server.closeIdleConnections();
  }

  #track(response: ServerResponse): void {
    this.#open.add(response);
    response.once('close', () => {
      this.#open.delete(response);
      // This response's connection is idle now, unless its client already sent the next request.
      if (this.#draining) this.#server.closeIdleConnections();
    });
    if (this.#draining || this.#leaving()) closeAfter(response);
  }
}

function closeAfter(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader('connection', 'close');
}
