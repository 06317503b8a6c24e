import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CommandError } from './control.commands.ts';
import type { CommandAnswer, LoadStatus } from './load.runner.ts';

export interface ControlTarget {
  execute(line: string): CommandAnswer;
  status(): LoadStatus;
}

export interface ControlServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY = 1_024;

/**
 * The control port, on 127.0.0.1 only: `GET /status` (settings, the last live line and the totals, as JSON)
 * and `POST /command` with one command line as the body (`rate 50`), answered `{ message, settings }` or
 * 400 `{ error }`. The console uses it to switch traffic; the grammar is the one typed on stdin.
 */
export async function startControlServer(target: ControlTarget, port: number): Promise<ControlServer> {
  const server: Server = createServer((request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(`${JSON.stringify(body)}\n`);
    };
    const path = new URL(request.url ?? '/', 'http://control.invalid').pathname;
    if (request.method === 'GET' && path === '/status') return reply(200, target.status());
    if (request.method !== 'POST' || path !== '/command') {
      return reply(404, { error: 'not_found', message: 'GET /status or POST /command with a command line' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reply(413, { error: 'too_large', message: `a command is at most ${MAX_BODY} bytes` });
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (response.headersSent) return;
      try {
        const answer = target.execute(Buffer.concat(chunks).toString('utf8'));
        reply(200, { message: answer.message, settings: target.status().settings });
      } catch (error) {
        if (!(error instanceof CommandError)) throw error;
        reply(400, { error: 'bad_command', message: error.message });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
