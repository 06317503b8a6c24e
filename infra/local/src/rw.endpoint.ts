import { connect, createServer, type Server, type Socket } from 'node:net';

/** Where the endpoint sends connections: the primary's name and port, or none while there is no primary. */
export type RwTarget = { readonly name: string; readonly port: number } | undefined;

/**
 * The read-write endpoint of the replicated PostgreSQL, as CloudNativePG's `<cluster>-rw` Service: one stable port
 * whose every connection goes to the current primary. `switchTo` moves it (at a failover) and cuts every
 * connection to the previous primary, so no session keeps writing to a fenced instance; with no primary, new
 * connections are closed at once (clients see a connection error and retry) rather than sent anywhere.
 */
export class RwEndpoint {
  readonly #server: Server;
  readonly #port: number;
  readonly #pairs = new Set<readonly [Socket, Socket]>();
  #target: RwTarget;

  constructor(port: number, target: RwTarget) {
    this.#port = port;
    this.#target = target;
    // noDelay on both legs: with Nagle on, a query's or a result's second small write waits for the peer's
    // delayed ACK (40 ms on Linux); PostgreSQL and node-postgres both turn Nagle off for that reason.
    this.#server = createServer({ noDelay: true }, (client) => this.#accept(client));
  }

  get target(): RwTarget {
    return this.#target;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  /** Points new connections at `target` and closes every connection to the previous one. */
  switchTo(target: RwTarget): void {
    this.#target = target;
    for (const [client, upstream] of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
  }

  close(): Promise<void> {
    this.switchTo(undefined);
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    const target = this.#target;
    if (!target) {
      client.destroy();
      return;
    }
    const upstream = connect({ port: target.port, host: '127.0.0.1', noDelay: true });
    const pair = [client, upstream] as const;
    this.#pairs.add(pair);
    const close = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
