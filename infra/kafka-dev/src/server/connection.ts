import type { Socket } from 'node:net';
import { apiVersionsUnsupported } from '../protocol/apis/api-versions.api.ts';
import { ProtocolError, Reader } from '../protocol/reader.ts';
import type { BrokerContext } from './broker-context.ts';
import { FrameReader } from './frame-reader.ts';

/** Complete requests queued beyond this many bytes stop reading from the socket until the queue drains. */
export const QUEUE_HIGH_WATER_BYTES = 64 * 1024;

/** What one connection holds right now, and the most it ever held (the memory bound, measurable). */
export interface ConnectionStats {
  readonly peer: string;
  /** Complete requests read but not yet handled. */
  readonly queuedRequests: number;
  readonly queuedBytes: number;
  /** Requests being handled: 0 or 1, as Kafka mutes a channel while it serves one request. */
  readonly inFlight: number;
  /** Response bytes written but not yet taken by the kernel. */
  readonly unsentBytes: number;
  readonly handled: number;
  readonly maxQueuedBytes: number;
  readonly maxInFlight: number;
  readonly maxUnsentBytes: number;
  /** Reading is paused: the queue is full, or the client is not reading its answers. */
  readonly paused: boolean;
}

type Queued = { readonly frame: Buffer } | { readonly error: string };

/**
 * One client connection, served as Kafka serves one: requests are handled one at a time in arrival order
 * (a parked long-poll Fetch or JoinGroup holds back the requests behind it on the same connection), the
 * next one only after the previous answer was handed to the kernel. Pipelined requests are queued, and
 * reading stops while the queue is above {@link QUEUE_HIGH_WATER_BYTES} or an answer is unsent, so a client
 * that writes without reading holds a bounded amount of broker memory; all of it is dropped on close.
 * A bad frame or request closes the connection once every request before it has been answered.
 */
export function serveConnection(
  context: BrokerContext,
  socket: Socket,
  maxFrameBytes: number,
  registry: Set<() => ConnectionStats>,
): void {
  const frames = new FrameReader(maxFrameBytes);
  let queue: Queued[] = [];
  let queuedBytes = 0;
  let inFlight = 0;
  let handled = 0;
  let awaitingDrain = false;
  let paused = false;
  const max = { queuedBytes: 0, inFlight: 0, unsentBytes: 0 };
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  const clientHost = `/${socket.remoteAddress}`;
  let closed = false;
  const aborter = new AbortController();
  const stats = (): ConnectionStats => ({
    peer,
    queuedRequests: queue.length,
    queuedBytes,
    inFlight,
    unsentBytes: socket.writableLength,
    handled,
    maxQueuedBytes: max.queuedBytes,
    maxInFlight: max.inFlight,
    maxUnsentBytes: max.unsentBytes,
    paused,
  });
  registry.add(stats);
  context.metrics.connections.inc();
  socket.setNoDelay(true);

  const fail = (reason: string) => {
    if (closed) return;
    closed = true;
    context.metrics.badRequest();
    context.log(`closing connection from ${peer}: ${reason}`);
    socket.destroy();
  };

  const send = (correlationId: number, body: Buffer | null) => {
    if (!body || closed) return;
    const head = Buffer.allocUnsafe(8);
    head.writeInt32BE(body.length + 4, 0);
    head.writeInt32BE(correlationId, 4);
    context.metrics.bytesOut(body.length + 8);
    socket.cork();
    socket.write(head);
    const drained = socket.write(body);
    socket.uncork();
    if (socket.writableLength > max.unsentBytes) max.unsentBytes = socket.writableLength;
    if (!drained) awaitingDrain = true;
  };

  /** Handles one request; returns a promise only when the handler is asynchronous. */
  const handle = (frame: Buffer): Promise<void> | undefined => {
    const reader = new Reader(frame);
    const apiKey = reader.int16();
    const apiVersion = reader.int16();
    const correlationId = reader.int32();
    const clientId = reader.nullableString() ?? '';
    const api = context.apis.get(apiKey);
    if (!api) throw new ProtocolError(`unknown API key ${apiKey}`);
    context.metrics.request(api.name, frame.length + 4);
    if (apiVersion < api.minVersion || apiVersion > api.maxVersion) {
      if (apiKey === 18) return void send(correlationId, apiVersionsUnsupported(context));
      throw new ProtocolError(
        `unsupported ${api.name} version ${apiVersion} (supported ${api.minVersion}-${api.maxVersion})`,
      );
    }
    if (apiKey === 18 && apiVersion >= 3) reader.skipTaggedFields();
    const header = { apiKey, apiVersion, correlationId, clientId, clientHost, signal: aborter.signal };
    const result = api.handle(context, header, reader);
    if (!(result instanceof Promise)) return void send(correlationId, result);
    return result.then(
      (body) => send(correlationId, body),
      (error: unknown) => {
        throw new ProtocolError(
          `${api.name} v${apiVersion}: ${error instanceof Error ? error.message : String(error)}`,
        );
      },
    );
  };

  const setPaused = () => {
    const shouldPause = !closed && (queuedBytes > QUEUE_HIGH_WATER_BYTES || awaitingDrain);
    if (shouldPause && !paused) socket.pause();
    else if (!shouldPause && paused) socket.resume();
    paused = shouldPause;
  };

  /** Serves queued requests in order, one at a time, until the queue is empty or an answer is pending. */
  const pump = () => {
    while (!closed && inFlight === 0 && !awaitingDrain && queue.length > 0) {
      const next = queue.shift()!;
      if ('error' in next) return fail(next.error);
      queuedBytes -= next.frame.length;
      handled++;
      let pending: Promise<void> | undefined;
      try {
        pending = handle(next.frame);
      } catch (error) {
        return fail(error instanceof Error ? error.message : String(error));
      }
      if (pending) {
        inFlight = 1;
        max.inFlight = 1;
        pending.then(
          () => {
            inFlight = 0;
            pump();
          },
          (error: unknown) => fail(error instanceof Error ? error.message : String(error)),
        );
      }
    }
    setPaused();
  };

  socket.on('data', (chunk: Buffer) => {
    if (closed) return;
    try {
      for (const frame of frames.push(chunk)) {
        queue.push({ frame });
        queuedBytes += frame.length;
      }
    } catch (error) {
      queue.push({ error: error instanceof Error ? error.message : String(error) });
    }
    if (queuedBytes > max.queuedBytes) max.queuedBytes = queuedBytes;
    pump();
  });
  socket.on('drain', () => {
    awaitingDrain = false;
    pump();
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    closed = true;
    queue = [];
    queuedBytes = 0;
    frames.clear();
    aborter.abort();
    registry.delete(stats);
    context.metrics.connections.dec();
  });
}
