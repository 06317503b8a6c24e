#!/usr/bin/env node
// The remediation controller: node infra/remediation/src/cli.ts --port 7510 --data-root .data [--dry-run]
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ACTIONS } from './actions.catalog.ts';
import { RemediationController } from './remediation.controller.ts';
import { startRemediationServer } from './remediation.server.ts';
import { SupervisorClient } from './supervisor.client.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '7510' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-root': { type: 'string', default: '.data' },
    'audit-file': { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`remediation: --port must be 0..65535, got ${values.port}\n`);
  process.exit(2);
}
const dataRoot = resolve(values['data-root']);
const auditFile = values['audit-file'] ?? join(dataRoot, 'remediation', 'audit.jsonl');
mkdirSync(resolve(auditFile, '..'), { recursive: true });
const controller = new RemediationController({
  actions: ACTIONS,
  supervisor: new SupervisorClient(join(dataRoot, 'local', 'supervisor.json')),
  clock: { now: () => performance.now() },
  dryRun: values['dry-run'],
  auditFile,
  log: (line) => process.stdout.write(`${line}\n`),
});
const server = await startRemediationServer({ controller, host: values.host, port });
process.stdout.write(
  `remediation controller on ${server.url} (POST /alerts, GET /audit, /metrics)${values['dry-run'] ? ', DRY RUN: nothing is acted on' : ''}; actions: ${ACTIONS.map((a) => a.name).join(', ')}\n`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
