#!/usr/bin/env node
// pglite-dev: one PGlite database served over the PostgreSQL wire protocol, for replicas that must share
// a database on one machine. `--help` lists the flags.
import { parseArgs } from 'node:util';
import { startPgliteDev } from './server.ts';

const usage = `usage: node infra/pglite-dev/src/cli.ts [--port 5432] [--host 127.0.0.1] [--data-dir DIR] [--max-connections 32]

Serves one PGlite database over the PostgreSQL wire protocol. Without --data-dir the database lives in
memory. Connect with postgres://postgres@HOST:PORT/postgres. SIGTERM or SIGINT closes it cleanly.`;

function fail(message: string): never {
  process.stderr.write(`pglite-dev: ${message}\n${usage}\n`);
  process.exit(2);
}

let values: { port?: string; host?: string; 'data-dir'?: string; 'max-connections'?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'max-connections': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  }));
} catch (error) {
  fail((error as Error).message);
}

if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

const port = Number(values.port ?? process.env.PGLITE_PORT ?? 5432);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0..65535, got ${values.port}`);
const maxConnections = Number(values['max-connections'] ?? 32);
if (!Number.isInteger(maxConnections) || maxConnections < 1) {
  fail(`--max-connections must be a positive integer, got ${values['max-connections']}`);
}

const server = await startPgliteDev({
  port,
  maxConnections,
  host: values.host ?? '127.0.0.1',
  dataDir: values['data-dir'] ?? process.env.DATA_DIR,
}).catch((error: unknown) => {
  process.stderr.write(`pglite-dev: could not start: ${(error as Error).message}\n`);
  process.exit(1);
});
process.stdout.write(`pglite-dev listening on ${server.host}:${server.port} (${server.url})\n`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) process.exit(1);
  stopping = true;
  process.stdout.write(`pglite-dev: ${signal}, closing\n`);
  server.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`pglite-dev: close failed: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
