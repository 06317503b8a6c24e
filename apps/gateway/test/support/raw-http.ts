// HTTP/1.1 on raw sockets, for tests about connections: what is sent and received stays visible byte for byte,
// and the client never closes a connection itself (as a proxy's keep-alive pool would not), so every close seen
// is the server's.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

export interface RawConnection {
  readonly socket: Socket;
  /** Everything the server sent on this connection so far. */
  received(): string;
  /** Resolves when the server ended the connection (the client never ends it). */
  readonly ended: Promise<void>;
}

/** A keep-alive HTTP/1.1 connection on a raw socket: what is sent and received stays visible byte for byte. */
export async function rawConnection(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  const ended = new Promise<void>((resolve, reject) => {
    socket.once('end', resolve);
    socket.once('error', reject);
  });
  // Keeps the rejection of a socket error for whoever awaits `ended`, and no unhandled rejection otherwise.
  ended.catch(() => undefined);
  await once(socket, 'connect');
  return { socket, received: () => text, ended };
}

/** Writes one keep-alive GET request on the connection. */
export function sendGet(connection: RawConnection, path: string, headers: Record<string, string> = {}): void {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  connection.socket.write(
    `GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n${lines.join('')}\r\n`,
  );
}

/** The status and lower-cased headers of every complete response head received on the connection. */
export function responseHeads(text: string): Array<{ status: number; headers: Map<string, string> }> {
  const heads: Array<{ status: number; headers: Map<string, string> }> = [];
  for (const match of text.matchAll(/HTTP\/1\.1 (\d{3})[^\r\n]*\r\n((?:[^\r\n]+\r\n)*)\r\n/g)) {
    const headers = new Map<string, string>();
    for (const line of (match[2] ?? '').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    heads.push({ status: Number(match[1]), headers });
  }
  return heads;
}
