#!/usr/bin/env node
// The remediation controller:
//   node infra/remediation/src/cli.ts --port 7510 --data-root .data [--dry-run]             (local supervisor)
//   node dist/cli.js --platform kubernetes --host 0.0.0.0 --port 8080 --data-root /data     (in a pod)
//   node infra/remediation/src/cli.ts --platform kubernetes --kube-api http://127.0.0.1:8001 --namespace rebound
//                                                                        (outside, through `kubectl proxy`)
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeClient } from '@rebound/kube';
import { systemClock } from '@rebound/resilience';
import { ACTIONS } from './actions.catalog.ts';
import { KUBERNETES_ACTIONS } from './actions.kubernetes.ts';
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
    platform: { type: 'string', default: 'local' },
    'kube-api': { type: 'string' },
    namespace: { type: 'string', default: 'rebound' },
  },
});
const fail = (message: string) => {
  process.stderr.write(`remediation: ${message}\n`);
  process.exit(2);
};
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0..65535, got ${values.port}`);
if (values.platform !== 'local' && values.platform !== 'kubernetes')
  fail(`--platform must be local or kubernetes, got ${values.platform}`);
if (values['kube-api'] !== undefined && values.platform !== 'kubernetes')
  fail('--kube-api needs --platform kubernetes');
const dataRoot = resolve(values['data-root']);
const auditFile = values['audit-file'] ?? join(dataRoot, 'remediation', 'audit.jsonl');
mkdirSync(resolve(auditFile, '..'), { recursive: true });
const common = {
  clock: systemClock,
  dryRun: values['dry-run'],
  auditFile,
  log: (line: string) => process.stdout.write(`${line}\n`),
};
let controller: RemediationController<SupervisorClient> | RemediationController<KubeClient>;
let names: string[];
if (values.platform === 'kubernetes') {
  let kube: KubeClient;
  try {
    kube =
      values['kube-api'] === undefined
        ? KubeClient.inCluster()
        : KubeClient.throughProxy(values['kube-api'], values.namespace, {
            ...(process.env.ADMIN_TOKEN !== undefined && { adminToken: process.env.ADMIN_TOKEN }),
          });
  } catch (error) {
    fail(`--platform kubernetes: ${(error as Error).message}`);
    throw error;
  }
  controller = new RemediationController({ ...common, actions: KUBERNETES_ACTIONS, platform: kube });
  names = KUBERNETES_ACTIONS.map((a) => a.name);
} else {
  // The supervisor's control token: the services' ADMIN_TOKEN, whose local default the supervisor uses too.
  const token = process.env.ADMIN_TOKEN ?? 'rebound-local-admin';
  const supervisor = new SupervisorClient(join(dataRoot, 'local', 'supervisor.json'), token);
  controller = new RemediationController({ ...common, actions: ACTIONS, platform: supervisor });
  names = ACTIONS.map((a) => a.name);
}
const server = await startRemediationServer({ controller, host: values.host, port });
process.stdout.write(
  `remediation controller on ${server.url} (${values.platform}; POST /alerts, GET /audit, /metrics)${values['dry-run'] ? ', DRY RUN: nothing is acted on' : ''}; actions: ${names.join(', ')}\n`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
