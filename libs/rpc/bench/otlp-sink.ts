/**
 * A stand-in OpenTelemetry Collector for the tracing-on benchmark: accepts OTLP/HTTP on any path, answers 200,
 * keeps nothing (a GET answers how many exports and bytes arrived). Runs in its own process so its CPU is not charged to
 * the client or the server measured.
 * Prints `PORT <n>`; on stdin end prints `RECEIVED <requests> <bytes>` and exits.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let requests = 0;
let bytes = 0;
const server = createServer((request, response) => {
  if (request.method === 'GET') {
    // The bench asks how many exports arrived, to wait until a traced server has stopped exporting.
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requests, bytes }));
    request.resume();
    return;
  }
  request.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  request.on('end', () => {
    requests++;
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => {
  console.log(`PORT ${(server.address() as AddressInfo).port}`);
});
process.stdin.resume();
process.stdin.on('end', () => {
  console.log(`RECEIVED ${requests} ${bytes}`);
  server.close();
  server.closeAllConnections();
});
