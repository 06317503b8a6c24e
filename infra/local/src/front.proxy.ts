import { connect, createServer, type Server, type Socket } from 'node:net';
import { Emitter, type Event } from './internal/emitter.ts';

/** One replica behind the front: its name in the supervisor (`gateway-1`) and its traffic port. */
export interface FrontBackend {
  readonly name: string;
  readonly port: number;
}

export interface FrontProxyOptions {
  /** The one stable port clients use. */
  readonly port: number;
  readonly host?: string;
  readonly backends: readonly FrontBackend[];
  /** Whether the supervisor counts the replica ready (its readiness probe); not-ready replicas get nothing new. */
  readonly isReady: (name: string) => boolean;
  /** A replica that refused a connection gets no new one for this long (or until it is ready again after). */
  readonly ejectionMs?: number;
  /** Bound on connecting to one replica before trying the next. */
  readonly connectTimeoutMs?: number;
  readonly now?: () => number;
}

/** What the front did with one client connection. */
export type FrontEvent =
  | { readonly type: 'forwarded'; readonly backend: string }
  | { readonly type: 'ejected'; readonly backend: string; readonly reason: string }
  | { readonly type: 'rejected'; readonly reason: string };

/** Default time a refusing replica stays out: about two readiness periods, by when the probe has caught up. */
export const DEFAULT_EJECTION_MS = 2_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 1_000;
/** A request larger than this is not kept for a replay. */
const MAX_REPLAY_BYTES = 256 * 1024;

/**
 * The front of a replicated entry, as a Kubernetes Service is for the gateway: one stable TCP port, each new
 * client connection forwarded to the next replica in round-robin order among those the supervisor counts ready
 * and that have not failed a connection lately. A replica that refuses, does not accept within the connect
 * timeout, or drops the connection before the first byte of an answer (a replica SIGKILLed with the request in
 * its backlog) is taken out for `ejectionMs`, and what the client sent so far is replayed to the next replica, so
 * a killed replica costs no client an error. A replay can repeat a request the dead replica had begun: safe for
 * the gateway, whose reads are idempotent and whose writes carry an Idempotency-Key that orders dedupes. Balancing
 * is per connection, like kube-proxy: a keep-alive client stays on its replica until the connection ends, and a
 * connection that fails after an answer began is closed, not replayed. With every replica not ready, the ones
 * not taken out still get connections; with none left at all the client connection is closed at once.
 */
export class FrontProxy {
  readonly #options: FrontProxyOptions;
  readonly #server: Server;
  readonly #ejectedUntil = new Map<string, number>();
  readonly #sockets = new Set<Socket>();
  readonly #events = new Emitter<FrontEvent>();
  readonly #now: () => number;
  #next = 0;

  /** Every decision of the front (forwarded, ejected, rejected). */
  readonly onEvent: Event<FrontEvent> = this.#events.event;

  constructor(options: FrontProxyOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#server = createServer({ pauseOnConnect: true }, (client) => this.#accept(client));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host ?? '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops accepting and closes every forwarded connection. */
  close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  /**
   * The replicas a new connection may go to, in the order to try them (round robin from the next one): the ready
   * ones not taken out. When none is ready (every gateway reports itself overloaded) but some are alive, those
   * are used anyway ("panic" routing, as Envoy does): an overloaded gateway still answers 503 with Retry-After,
   * which a refused connection would not.
   */
  #candidates(): FrontBackend[] {
    const now = this.#now();
    const { backends } = this.#options;
    const start = this.#next++ % backends.length;
    const ordered = [...backends.slice(start), ...backends.slice(0, start)];
    const alive = ordered.filter((backend) => (this.#ejectedUntil.get(backend.name) ?? 0) <= now);
    const ready = alive.filter((backend) => this.#options.isReady(backend.name));
    return ready.length > 0 ? ready : alive;
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  #eject(backend: FrontBackend, reason: string): void {
    this.#ejectedUntil.set(backend.name, this.#now() + (this.#options.ejectionMs ?? DEFAULT_EJECTION_MS));
    this.#events.fire({ type: 'ejected', backend: backend.name, reason });
  }

  #accept(client: Socket): void {
    this.#track(client);
    const candidates = this.#candidates();
    // What the client sent before the first byte of an answer: replayed to the next replica when the chosen one
    // fails before answering (refused, reset by a replica that was just killed). Bounded: past it, no replay.
    const sent: Buffer[] = [];
    let sentBytes = 0;
    let answered = false;
    let clientEnded = false;
    let upstream: Socket | undefined;
    client.on('data', (chunk: Buffer) => {
      if (!answered && sentBytes + chunk.length <= MAX_REPLAY_BYTES) {
        sent.push(chunk);
        sentBytes += chunk.length;
      } else if (!answered) {
        sentBytes = Number.POSITIVE_INFINITY;
      }
      if (upstream && !upstream.write(chunk)) client.pause();
    });
    client.on('end', () => {
      clientEnded = true;
      upstream?.end();
    });
    client.on('error', () => client.destroy());
    client.on('close', () => upstream?.destroy());

    const tryNext = (): void => {
      const backend = candidates.shift();
      if (!backend) {
        this.#events.fire({ type: 'rejected', reason: 'no replica left' });
        client.destroy();
        return;
      }
      const socket = connect({ port: backend.port, host: '127.0.0.1' });
      this.#track(socket);
      const timer = setTimeout(
        () => socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
        this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      );
      let failure = '';
      socket.once('connect', () => {
        clearTimeout(timer);
        upstream = socket;
        for (const chunk of sent) socket.write(chunk);
        if (clientEnded) socket.end();
        client.resume();
        this.#events.fire({ type: 'forwarded', backend: backend.name });
      });
      socket.on('data', (chunk: Buffer) => {
        answered = true;
        if (!client.write(chunk)) socket.pause();
      });
      client.on('drain', () => socket.resume());
      socket.on('drain', () => client.resume());
      socket.on('end', () => {
        if (answered) client.end();
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        failure = error.code ?? error.message;
      });
      socket.on('close', () => {
        clearTimeout(timer);
        if (client.destroyed) return;
        if (answered) {
          client.destroy();
          return;
        }
        // Nothing came back: the replica refused, timed out or died with the request. Take it out and give the
        // request to the next one (a connection that closed cleanly without an answer counts the same).
        upstream = undefined;
        this.#eject(backend, failure || 'closed before answering');
        if (sentBytes === Number.POSITIVE_INFINITY) {
          client.destroy();
          return;
        }
        tryNext();
      });
    };
    tryNext();
  }
}
