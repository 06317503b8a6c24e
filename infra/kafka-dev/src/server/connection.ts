import type { Socket } from 'node:net';
import { apiVersionsUnsupported } from '../protocol/apis/api-versions.api.ts';
import { ProtocolError, Reader } from '../protocol/reader.ts';
import type { BrokerContext } from './broker-context.ts';
import { FrameReader } from './frame-reader.ts';

interface Slot {
  response: Buffer | null;
  done: boolean;
}

/**
 * One client connection: frames in, handlers run concurrently (a parked JoinGroup or long-poll Fetch does not
 * block the next request), responses written strictly in request order. A bad frame or request closes only
 * this connection, with one log line.
 */
export function serveConnection(context: BrokerContext, socket: Socket, maxFrameBytes: number): void {
  const frames = new FrameReader(maxFrameBytes);
  const queue: Slot[] = [];
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  const clientHost = `/${socket.remoteAddress}`;
  let closed = false;
  const aborter = new AbortController();
  context.metrics.connections.inc();
  socket.setNoDelay(true);

  const fail = (reason: string) => {
    if (closed) return;
    closed = true;
    context.metrics.badRequest();
    context.log(`closing connection from ${peer}: ${reason}`);
    socket.destroy();
  };

  const flush = () => {
    while (queue.length > 0 && queue[0]!.done) {
      const { response } = queue.shift()!;
      if (response && !closed) {
        context.metrics.bytesOut(response.length);
        socket.write(response);
      }
    }
  };

  const handle = (frame: Buffer) => {
    const reader = new Reader(frame);
    const apiKey = reader.int16();
    const apiVersion = reader.int16();
    const correlationId = reader.int32();
    const clientId = reader.nullableString() ?? '';
    const api = context.apis.get(apiKey);
    const slot: Slot = { response: null, done: false };
    const answer = (body: Buffer | null) => {
      if (body) {
        const head = Buffer.allocUnsafe(8);
        head.writeInt32BE(body.length + 4, 0);
        head.writeInt32BE(correlationId, 4);
        slot.response = Buffer.concat([head, body]);
      }
      slot.done = true;
      flush();
    };
    queue.push(slot);
    if (!api) throw new ProtocolError(`unknown API key ${apiKey}`);
    context.metrics.request(api.name, frame.length + 4);
    if (apiVersion < api.minVersion || apiVersion > api.maxVersion) {
      if (apiKey === 18) return answer(apiVersionsUnsupported(context));
      throw new ProtocolError(
        `unsupported ${api.name} version ${apiVersion} (supported ${api.minVersion}-${api.maxVersion})`,
      );
    }
    if (apiKey === 18 && apiVersion >= 3) reader.skipTaggedFields();
    const header = { apiKey, apiVersion, correlationId, clientId, clientHost, signal: aborter.signal };
    Promise.resolve()
      .then(() => api.handle(context, header, reader))
      .then(answer, (error: unknown) =>
        fail(`${api.name} v${apiVersion}: ${error instanceof Error ? error.message : String(error)}`),
      );
  };

  socket.on('data', (chunk: Buffer) => {
    if (closed) return;
    try {
      for (const frame of frames.push(chunk)) handle(frame);
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error));
    }
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    closed = true;
    aborter.abort();
    context.metrics.connections.dec();
  });
}
