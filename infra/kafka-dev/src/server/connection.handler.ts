import type { Socket } from 'node:net';
import { apiVersionsUnsupported } from '../apis/api-versions.api.ts';
import { ProtocolError, Reader } from '../protocol/request.reader.ts';
import type { BrokerContext } from './broker.context.ts';
import { FrameReader } from './frame.reader.ts';

/** Complete requests queued beyond this many bytes stop reading from the socket until the queue drains. */
export const QUEUE_HIGH_WATER_BYTES = 64 * 1024;
/** Produce answers that wait only for their fsync, at most, before the next request waits too. */
export const MAX_DURABILITY_WAITS = 16;

/** What one connection holds right now, and the most it ever held (the memory bound, measurable). */
export interface ConnectionStats {
  readonly peer: string;
  /** Complete requests read but not yet handled. */
  readonly queuedRequests: number;
  readonly queuedBytes: number;
  /** Requests being handled: 0 or 1, as Kafka mutes a channel while it serves one request. */
  readonly inFlight: number;
  /** Requests handled whose answers wait for an earlier answer or for their fsync (`--fsync`). */
  readonly pendingAnswers: number;
  /** Response bytes written but not yet taken by the kernel. */
  readonly unsentBytes: number;
  readonly handled: number;
  readonly maxQueuedBytes: number;
  readonly maxInFlight: number;
  readonly maxPendingAnswers: number;
  readonly maxUnsentBytes: number;
  /** Reading is paused: the queue is full, or the client is not reading its answers. */
  readonly paused: boolean;
}

type Queued = { readonly frame: Buffer } | { readonly error: string };

/** One answer, in request order: sent once it and every answer before it are ready. */
interface Answer {
  readonly correlationId: number;
  body: Buffer | null;
  ready: boolean;
}

/**
 * One client connection, served as Kafka serves one: requests are handled one at a time in arrival order
 * (a parked long-poll Fetch or JoinGroup holds back the requests behind it on the same connection), the
 * next one only after the previous answer was handed to the kernel. Pipelined requests are queued, and
 * reading stops while the queue is above {@link QUEUE_HIGH_WATER_BYTES} or an answer is unsent, so a client
 * that writes without reading holds a bounded amount of broker memory; all of it is dropped on close.
 * One overlap Kafka's ordering cannot observe: a Produce is fully applied before the next request is read,
 * but while its fsync runs (acks=−1 under `--fsync acks-all`) up to {@link MAX_DURABILITY_WAITS} following
 * requests may be served, so pipelined producers share fsyncs; answers still leave in request order.
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
  let durabilityWaits = 0;
  const answers: Answer[] = [];
  /** A bad request met while earlier answers were pending: close once they are sent. */
  let failAfterAnswers: string | null = null;
  let awaitingDrain = false;
  let paused = false;
  const max = { queuedBytes: 0, inFlight: 0, pendingAnswers: 0, unsentBytes: 0 };
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  const clientHost = `/${socket.remoteAddress}`;
  let closed = false;
  const aborter = new AbortController();
  const stats = (): ConnectionStats => ({
    peer,
    queuedRequests: queue.length,
    queuedBytes,
    inFlight,
    pendingAnswers: answers.length,
    unsentBytes: socket.writableLength,
    handled,
    maxQueuedBytes: max.queuedBytes,
    maxInFlight: max.inFlight,
    maxPendingAnswers: max.pendingAnswers,
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

  /** Sends every ready answer at the head of the line. */
  const flush = () => {
    while (answers.length > 0 && answers[0]!.ready) {
      const answer = answers.shift()!;
      send(answer.correlationId, answer.body);
    }
    if (answers.length === 0 && failAfterAnswers !== null) fail(failAfterAnswers);
  };

  /** Closes for a bad request, after the answers to every request before it. */
  const failInOrder = (reason: string) => {
    failAfterAnswers = reason;
    flush();
  };

  const answer = (correlationId: number, body: Buffer | null): undefined => {
    answers.push({ correlationId, body, ready: true });
    flush();
    return undefined;
  };

  /**
   * Handles one request. Returns a promise while the request is still being served (the next must wait);
   * a Produce waiting only for its fsync returns nothing and its answer joins the line when durable.
   */
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
      if (apiKey === 18) return answer(correlationId, apiVersionsUnsupported(context));
      throw new ProtocolError(
        `unsupported ${api.name} version ${apiVersion} (supported ${api.minVersion}-${api.maxVersion})`,
      );
    }
    if (apiKey === 18 && apiVersion >= 3) reader.skipTaggedFields();
    const header = { apiKey, apiVersion, correlationId, clientId, clientHost, signal: aborter.signal };
    const result = api.handle(context, header, reader);
    if (!(result instanceof Promise)) return answer(correlationId, result);
    const slot: Answer = { correlationId, body: null, ready: false };
    answers.push(slot);
    if (answers.length > max.pendingAnswers) max.pendingAnswers = answers.length;
    const settled = result.then(
      (body) => {
        slot.body = body;
        slot.ready = true;
        flush();
      },
      (error: unknown) => {
        throw new ProtocolError(
          `${api.name} v${apiVersion}: ${error instanceof Error ? error.message : String(error)}`,
        );
      },
    );
    if (!api.appliedBeforeAwait) return settled;
    durabilityWaits++;
    settled.then(
      () => {
        durabilityWaits--;
        pump();
      },
      (error: unknown) => fail(error instanceof Error ? error.message : String(error)),
    );
    return undefined;
  };

  const setPaused = () => {
    const shouldPause = !closed && (queuedBytes > QUEUE_HIGH_WATER_BYTES || awaitingDrain);
    if (shouldPause && !paused) socket.pause();
    else if (!shouldPause && paused) socket.resume();
    paused = shouldPause;
  };

  /** Serves queued requests in order, one at a time, until the queue is empty or an answer is pending. */
  const pump = () => {
    while (
      !closed &&
      failAfterAnswers === null &&
      inFlight === 0 &&
      durabilityWaits < MAX_DURABILITY_WAITS &&
      !awaitingDrain &&
      queue.length > 0
    ) {
      const next = queue.shift()!;
      if ('error' in next) return failInOrder(next.error);
      queuedBytes -= next.frame.length;
      handled++;
      let pending: Promise<void> | undefined;
      try {
        pending = handle(next.frame);
      } catch (error) {
        return failInOrder(error instanceof Error ? error.message : String(error));
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
    answers.length = 0;
    frames.clear();
    aborter.abort();
    registry.delete(stats);
    context.metrics.connections.dec();
  });
}
