import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startWebhookReceiver, type WebhookReceiver } from '@rebound/alertmanager';
import { catalogV1 } from '@rebound/contracts';
import { createRpcClient } from '@rebound/rpc';
import { adminRequest, freePort, freePortBlock, skipUnlessBinary, waitFor } from '@rebound/testing';
import type { AuditEntry } from '../src/index.ts';
import { Child, getJson } from './support/processes.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SUPERVISOR_CLI = join(ROOT, 'infra', 'local', 'src', 'cli.ts');
const REMEDIATION_CLI = join(ROOT, 'infra', 'remediation', 'src', 'cli.ts');
const ALERT = 'ReplicaErrorRatioOutlier';

const skip =
  skipUnlessBinary('prometheus', 'prometheus') ||
  skipUnlessBinary('prometheus-alertmanager', 'prometheus-alertmanager');

interface StatusRow {
  name: string;
  restarts: number;
  ready: boolean;
  pid?: number;
}

/**
 * The production rule file with its windows compressed (`[1m]` → `[10s]`, `for: 1m` → `for: 3s`), the same
 * expressions and labels; the production Alertmanager routes with their timers in seconds.
 */
function compressedRules(dir: string): string {
  const text = readFileSync(join(ROOT, 'infra', 'prometheus', 'rules', 'remediation.rules.yml'), 'utf8')
    .replaceAll('[1m]', '[10s]')
    .replaceAll('for: 1m', 'for: 3s');
  const file = join(dir, 'remediation.e2e.rules.yml');
  writeFileSync(file, text);
  return file;
}

describe('alert-driven remediation through real Prometheus and Alertmanager', {
  skip,
  timeout: 300_000,
}, () => {
  let dir: string;
  let basePort: number;
  let supervisor: Child;
  let remediation: Child;
  let prometheus: Child;
  let alertmanager: Child;
  let pager: WebhookReceiver;
  let control: string;
  let remediationUrl: string;
  let prometheusUrl: string;
  let traffic: NodeJS.Timeout | undefined;
  const calls = { ok: 0, failed: 0 };
  let client: ReturnType<typeof createRpcClient<typeof catalogV1.CatalogServiceService>> | undefined;

  const admin = (replica: number) => `http://127.0.0.1:${basePort + 15 + replica}`;
  const audit = () => getJson<AuditEntry[]>(`${remediationUrl}/audit`);
  const rows = async () => (await getJson<{ rows: StatusRow[] }>(`${control}/status`)).rows;
  const firing = async () =>
    (
      await getJson<{ data: { alerts: { labels: Record<string, string>; state: string }[] } }>(
        `${prometheusUrl}/api/v1/alerts`,
      )
    ).data.alerts.filter((a) => a.labels.alertname === ALERT);

  before(
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'rebound-remediation-e2e-'));
      basePort = await freePortBlock(20);
      supervisor = new Child(process.execPath, [
        '--conditions=development',
        SUPERVISOR_CLI,
        'up',
        '--only',
        'catalog',
        '--base-port',
        String(basePort),
        '--data-dir',
        dir,
      ]);
      control = (await supervisor.waitFor(/control (http:\/\/127\.0\.0\.1:\d+)/, 'the control server'))[1]!;
      await supervisor.waitFor(/^2\/2 ready/m, 'catalog ready');

      const remediationPort = await freePort();
      remediation = new Child(process.execPath, [
        '--conditions=development',
        REMEDIATION_CLI,
        '--port',
        String(remediationPort),
        '--data-root',
        dir,
      ]);
      remediationUrl = (
        await remediation.waitFor(/remediation controller on (http:\/\/[\d.:]+)/, 'remediation')
      )[1]!;

      pager = await startWebhookReceiver();
      const amPort = await freePort();
      const amConfig = readFileSync(join(ROOT, 'infra', 'alertmanager', 'alertmanager.yml'), 'utf8')
        .replaceAll('http://127.0.0.1:7510', remediationUrl)
        .replaceAll('http://127.0.0.1:7500', pager.url)
        .replace(/group_wait: \d+[sm]/g, 'group_wait: 0s')
        .replace(/group_interval: \d+[sm]/g, 'group_interval: 2s')
        .replace(/repeat_interval: \d+[smh]/g, 'repeat_interval: 3s');
      writeFileSync(join(dir, 'alertmanager.yml'), amConfig);
      alertmanager = new Child('prometheus-alertmanager', [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'alertmanager-data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        `--cluster.listen-address=`,
        '--log.level=warn',
      ]);
      await waitFor(async () => (await fetch(`http://127.0.0.1:${amPort}/-/ready`)).ok, {
        description: 'alertmanager ready',
        timeoutMs: 30_000,
        intervalMs: 100,
      });

      const promPort = await freePort();
      prometheusUrl = `http://127.0.0.1:${promPort}`;
      // JSON is YAML: the scrape config of the local runtime (labels service, instance), every second.
      const config = {
        global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
        rule_files: [compressedRules(dir)],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
        scrape_configs: [
          {
            job_name: 'rebound-services',
            static_configs: [0, 1].map((r) => ({
              targets: [`127.0.0.1:${basePort + 15 + r}`],
              labels: { service: 'catalog', instance: `catalog-${r}` },
            })),
          },
        ],
      };
      writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
      prometheus = new Child('prometheus', [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ]);
      await waitFor(async () => (await fetch(`${prometheusUrl}/-/ready`)).ok, {
        description: 'prometheus ready',
        timeoutMs: 30_000,
        intervalMs: 100,
      });

      // Users: 40 calls a second through the gateway's catalog policy, bounded at 12 000 calls.
      const rpc = createRpcClient(catalogV1.CatalogServiceService, {
        target: pathToFileURL(join(dir, 'local', 'endpoints', 'catalog')).href,
        methods: { listProducts: { idempotent: true, timeoutMs: 800 } },
      });
      client = rpc;
      let sent = 0;
      traffic = setInterval(() => {
        if (sent++ >= 12_000) return;
        rpc.listProducts({ pageSize: 10, pageToken: '' } as never).then(
          () => calls.ok++,
          () => calls.failed++,
        );
      }, 25);
      // Both replicas measured by Prometheus before the fault.
      await waitFor(
        async () => {
          const answer = await getJson<{ data: { result: unknown[] } }>(
            `${prometheusUrl}/api/v1/query?query=${encodeURIComponent('service_instance:rebound_rpc_server_error_ratio:rate1m')}`,
          );
          return answer.data.result.length === 2;
        },
        { description: 'the error ratio of both replicas recorded', timeoutMs: 60_000, intervalMs: 250 },
      );
    },
    { timeout: 180_000 },
  );

  after(async () => {
    clearInterval(traffic);
    client?.$rpc.close();
    await prometheus?.stop();
    await alertmanager?.stop();
    await pager?.close();
    await remediation?.stop();
    await supervisor?.stop('SIGINT');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('an outlier replica fires the alert, is restarted once, the alert resolves; a new firing inside the cool-down does nothing', async () => {
    const before = (await rows()).find((r) => r.name === 'catalog-1');
    assert.equal(before?.restarts, 0);
    const faultAt = performance.now();
    assert.equal((await adminRequest(admin(1), 'POST', '/admin/faults', { errorRate: 1 })).status, 200);

    const executed = await waitFor(
      async () => (await audit()).find((e) => e.action === 'restart-replica' && e.outcome === 'executed'),
      { description: 'restart-replica executed', timeoutMs: 60_000, intervalMs: 200 },
    );
    const actedMs = performance.now() - faultAt;
    assert.equal(executed.target, 'catalog-1');
    assert.equal(executed.alert.name, ALERT);
    assert.equal(executed.runbook, 'docs/runbooks/ReplicaErrorRatioOutlier.md');
    assert.match(executed.detail, /catalog-0 ready; restart catalog-1/);

    // Recovery: a new process, ready, without the fault; the alert resolves in Prometheus and reaches the controller.
    await waitFor(
      async () => {
        const row = (await rows()).find((r) => r.name === 'catalog-1');
        return row?.restarts === 1 && row.ready && row.pid !== before?.pid;
      },
      { description: 'catalog-1 restarted and ready', timeoutMs: 60_000, intervalMs: 200 },
    );
    await waitFor(async () => (await firing()).length === 0, {
      description: `${ALERT} no longer pending or firing`,
      timeoutMs: 90_000,
      intervalMs: 250,
    });
    await waitFor(
      async () => (await audit()).some((e) => e.outcome === 'resolved' && e.target === 'catalog-1'),
      {
        description: 'the resolved notification at the controller',
        timeoutMs: 30_000,
        intervalMs: 200,
      },
    );
    const resolvedMs = performance.now() - faultAt;

    // The fault comes back at once: the alert fires again, the cool-down (10 min) holds the action back.
    assert.equal((await adminRequest(admin(1), 'POST', '/admin/faults', { errorRate: 1 })).status, 200);
    try {
      const held = await waitFor(
        async () => (await audit()).find((e) => e.action === 'restart-replica' && e.outcome === 'cooldown'),
        { description: 'a cool-down decision', timeoutMs: 60_000, intervalMs: 200 },
      );
      assert.match(held.detail, /cool-down \d+ s left/);
    } finally {
      await adminRequest(admin(1), 'DELETE', '/admin/faults');
    }
    const entries = await audit();
    assert.equal(entries.filter((e) => e.outcome === 'executed').length, 1, JSON.stringify(entries, null, 2));
    assert.equal((await rows()).find((r) => r.name === 'catalog-1')?.restarts, 1);
    const metrics = await (await fetch(`${remediationUrl}/metrics`)).text();
    assert.match(
      metrics,
      /rebound_remediation_decisions_total\{action="restart-replica",outcome="executed"\} 1/,
    );
    assert.match(
      metrics,
      /rebound_remediation_decisions_total\{action="restart-replica",outcome="cooldown"\} \d+/,
    );
    // The usual receiver got the ticket too (continue: true).
    assert.ok(pager.notifications().some((n) => n.receiver === 'local-ticket'));
    console.log(
      `# remediation | ${ALERT}: restart executed ${(actedMs / 1000).toFixed(1)} s after the fault, alert resolved at ${(resolvedMs / 1000).toFixed(1)} s; decisions: ${entries.map((e) => e.outcome).join(', ')}; users: ${calls.failed}/${calls.ok + calls.failed} calls failed`,
    );
  });
});
