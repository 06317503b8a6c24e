#!/usr/bin/env node
// The heal view's backend, started by the local supervisor: node heal.cli.ts --port P --data-dir D
import { parseArgs } from 'node:util';
import { startHealServer } from './heal.server.ts';
import { HealMonitor } from './heal.state.ts';

let values: { port?: string; 'data-dir'?: string };
try {
  values = parseArgs({
    options: { port: { type: 'string' }, 'data-dir': { type: 'string' } },
    strict: true,
  }).values;
} catch (error) {
  process.stderr.write(`heal: ${(error as Error).message}\n`);
  process.exit(2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535 || !values['data-dir']) {
  process.stderr.write('heal: usage: heal.cli.ts --port <port> --data-dir <dir>\n');
  process.exit(2);
}
const monitor = new HealMonitor({ dataDir: values['data-dir'] });
const { server, url } = await startHealServer({
  monitor,
  port,
  adminToken: process.env.ADMIN_TOKEN ?? 'rebound-local-admin',
});
process.stdout.write(`heal view backend on ${url} (GET /heal/state)\n`);
void monitor.run();
const stop = () => {
  server.close();
  void monitor.stop().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
