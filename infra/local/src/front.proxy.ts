import { connect, createServer, type Server, type Socket } from 'node:net';
import { type Clock, systemClock } from '@rebound/resilience';
import { AnswerFraming } from './answer.framing.ts';
import { Emitter, type Event } from './internal/event.emitter.ts';

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
  /** Times ejections (read only, `now()`); injected in tests. */
  readonly clock?: Pick<Clock, 'now'>;
}

/** What the front did with one client connection. */
export type FrontEvent =
  | { readonly type: 'forwarded'; readonly backend: string }
  | { readonly type: 'ejected'; readonly backend: string; readonly reason: string }
  /** The replica closed a keep-alive connection between two requests; the client's next one goes anew. */
  | { readonly type: 'parked'; readonly backend: string }
  | { readonly type: 'rejected'; readonly reason: string };

/** Whether an answer starts as a final HTTP/1 status line (`HTTP/1.1 200`), not a 1xx or another protocol. */
function isFinalHttp1Answer(chunk: Buffer): boolean {
  const head = chunk.subarray(0, 12).toString('latin1');
  return /^HTTP\/1\.[01] [2-5]/.test(head);
}

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
 * is per connection, like kube-proxy: a keep-alive client stays on its replica until the connection ends. On a
 * keep-alive HTTP/1 connection the front re-arms the replay at each request (a client that sends after an answer
 * began starts a new request, as HTTP/1.1 without pipelining does), so a replica killed with the second request
 * of a connection in flight costs no error either. A connection that fails after its answer began, or after a
 * `1xx` answer (an upgrade: no longer request and answer), is closed, not replayed; one that closes between two
 * requests (killed while idle, or its keep-alive timeout) leaves the client's connection open, and the client's
 * next request goes to the next replica, so a client never races a dead replica's close. With every replica not ready,
 * the ones not taken out still get connections; with none left at all the client connection is closed at once.
 */
export class FrontProxy {
  readonly #options: FrontProxyOptions;
  readonly #server: Server;
  readonly #ejectedUntil = new Map<string, number>();
  readonly #sockets = new Set<Socket>();
  readonly #events = new Emitter<FrontEvent>();
  readonly #clock: Pick<Clock, 'now'>;
  #next = 0;
  #backends: readonly FrontBackend[];

  /** Every decision of the front (forwarded, ejected, rejected). */
  readonly onEvent: Event<FrontEvent> = this.#events.event;

  constructor(options: FrontProxyOptions) {
    this.#options = options;
    this.#backends = [...options.backends];
    this.#clock = options.clock ?? systemClock;
    // noDelay on both legs: with Nagle on, a proxied response's second small write waits for the client's
    // delayed ACK (40 ms on Linux), once per exchange.
    this.#server = createServer({ pauseOnConnect: true, noDelay: true }, (client) => this.#accept(client));
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

  /**
   * Replaces the replicas new connections go to (a rollout's surge and retire, a scale-up), as a Service's
   * endpoints change; connections already forwarded stay where they are.
   */
  setBackends(backends: readonly FrontBackend[]): void {
    this.#backends = [...backends];
  }

  get backends(): readonly FrontBackend[] {
    return this.#backends;
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
    const now = this.#clock.now();
    const backends = this.#backends;
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
    this.#ejectedUntil.set(
      backend.name,
      this.#clock.now() + (this.#options.ejectionMs ?? DEFAULT_EJECTION_MS),
    );
    this.#events.fire({ type: 'ejected', backend: backend.name, reason });
  }

  #accept(client: Socket): void {
    this.#track(client);
    let candidates = this.#candidates();
    // What the client sent before the first byte of an answer: replayed to the next replica when the chosen one
    // fails before answering (refused, reset by a replica that was just killed). Bounded: past it, no replay.
    const sent: Buffer[] = [];
    let sentBytes = 0;
    let answered = false;
    // False once the connection is no longer plain HTTP/1 request and answer (an upgrade, a 1xx): no re-arming.
    let rearmable = true;
    let clientEnded = false;
    let upstream: Socket | undefined;
    // The replica closed after a complete answer: the next request of this keep-alive connection goes anew.
    let parked = false;
    const framing = new AnswerFraming();
    client.on('data', (chunk: Buffer) => {
      if (answered && rearmable && sentBytes !== Number.POSITIVE_INFINITY) {
        // The previous request was answered and the client speaks again: a new request, replayable on its own.
        sent.length = 0;
        sentBytes = 0;
        answered = false;
        candidates = this.#candidates().filter((backend) => backend.port !== upstream?.remotePort);
      }
      if (sentBytes === 0) framing.reset(chunk);
      if (!answered && sentBytes + chunk.length <= MAX_REPLAY_BYTES) {
        sent.push(chunk);
        sentBytes += chunk.length;
      } else if (!answered) {
        sentBytes = Number.POSITIVE_INFINITY;
      }
      if (upstream && !upstream.write(chunk)) client.pause();
      else if (parked) {
        parked = false;
        tryNext();
      }
    });
    client.on('end', () => {
      clientEnded = true;
      upstream?.end();
      if (parked) client.end();
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
      const socket = connect({ port: backend.port, host: '127.0.0.1', noDelay: true });
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
        if (!answered && !isFinalHttp1Answer(chunk)) rearmable = false;
        answered = true;
        framing.feed(chunk);
        if (!client.write(chunk)) socket.pause();
      });
      client.on('drain', () => socket.resume());
      socket.on('drain', () => client.resume());
      const between = () => answered && rearmable && framing.complete && !clientEnded;
      socket.on('end', () => {
        if (answered && !between()) client.end();
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        failure = error.code ?? error.message;
      });
      socket.on('close', () => {
        clearTimeout(timer);
        if (client.destroyed) return;
        if (between()) {
          // Closed between two requests (killed while idle, or its keep-alive timeout): the client keeps its
          // connection, and its next request goes to the next replica.
          upstream = undefined;
          parked = true;
          this.#events.fire({ type: 'parked', backend: backend.name });
          return;
        }
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
