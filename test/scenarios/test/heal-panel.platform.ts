// The heal view's rollouts and remediation panel from its real sources, in Debian's Chromium: the real
// supervisor (`up --only catalog,remediation,gateway,heal`, one replica each: catalog, the remediation
// controller, a gateway behind the front and the heal view's backend; no data stores, no broker, no monitoring) runs a
// real rollout that fails its readiness gate and rolls back; a webhook makes the real controller decide (and
// audit) once; the gateway serves the page under its CSP and proxies the heal backend's state, which reads
// both. The page must show what the supervisor and the controller answer.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHROMIUM_LAUNCH_OPTIONS, freePortBlock, skipUnlessBinary, waitFor } from '@rebound/testing';
import { chromium } from 'playwright-core';
import type { AuditView, RolloutsAnswer } from '../src/heal/remediation.view.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CLI = join(ROOT, 'infra', 'local', 'src', 'cli.ts');
const TOKEN = 'heal-remediation-token';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

describe('the heal view shows rollouts and remediation decisions from their sources', {
  skip: skipUnlessBinary('chromium', 'chromium'),
  timeout: 180_000,
}, () => {
  let dataDir: string;
  let supervisor: ChildProcess;
  let exit: Promise<unknown>;
  let out = '';
  let control = '';
  let gatewayUrl = '';

  before(async () => {
    const basePort = await freePortBlock(130);
    dataDir = await mkdtemp(join(tmpdir(), 'rebound-heal-remediation-'));
    supervisor = spawn(
      process.execPath,
      [
        '--conditions=development',
        CLI,
        'up',
        '--only',
        'catalog,remediation,gateway,heal',
        '--replicas',
        'catalog=1',
        '--replicas',
        'gateway=1',
        '--base-port',
        String(basePort),
        '--data-dir',
        dataDir,
      ],
      { env: { ...process.env, NO_COLOR: '1', ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const stream of [supervisor.stdout, supervisor.stderr]) {
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
      });
    }
    exit = new Promise((resolve) => supervisor.once('close', resolve));
    control = (
      await waitFor(() => /control (http:\/\/127\.0\.0\.1:\d+)/.exec(out), {
        description: 'the control server line',
        timeoutMs: 20_000,
      })
    )[1]!;
    const ready = await waitFor(
      async () => {
        const report = (await (await fetch(`${control}/status`)).json()) as {
          allReady: boolean;
          urls: { name: string; url: string }[];
        };
        return report.allReady ? report : undefined;
      },
      { description: 'every process ready', timeoutMs: 120_000, intervalMs: 100 },
    );
    gatewayUrl = ready.urls.find((u) => u.name === 'gateway')!.url;
  });

  after(async () => {
    supervisor?.kill('SIGINT');
    await exit;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('a rolled-back rollout and an audited decision, as the supervisor and the controller answer them', async () => {
    // A version whose readiness never passes: the readiness gate's deadline rolls it back.
    const started = await fetch(`${control}/rollouts`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        process: 'catalog',
        to: 'v9',
        behaviour: 'never-ready',
        settings: { progressDeadlineMs: 2000 },
      }),
    });
    assert.equal(started.status, 202, await started.text());
    const rollouts = await waitFor(
      async () => {
        const answer = (await (await fetch(`${control}/rollouts`)).json()) as RolloutsAnswer;
        return answer.active === null && answer.history[0]?.phase === 'RolledBack' ? answer : undefined;
      },
      { description: 'the rollout rolled back', timeoutMs: 60_000, intervalMs: 200 },
    );
    const record = rollouts.history[0]!;
    assert.match(record.reason ?? '', /^catalog-1: not ready within 2000 ms/);

    // The controller decides on a real webhook: catalog's last rollout did not complete, so no rollback.
    const status = (await (await fetch(`${control}/status`)).json()) as {
      rows: { process: string; port: number }[];
    };
    const remediation = `http://127.0.0.1:${status.rows.find((r) => r.process === 'remediation')!.port}`;
    const webhook = await fetch(`${remediation}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        status: 'firing',
        receiver: 'remediation',
        alerts: [
          {
            status: 'firing',
            labels: {
              alertname: 'ServiceErrorRatioHigh',
              service: 'catalog',
              remediation: 'rollback-last-rollout',
            },
            annotations: { summary: 'catalog fails (test)' },
            startsAt: '2026-01-01T00:00:00Z',
            fingerprint: 'fp-heal-test',
          },
        ],
      }),
    });
    assert.equal(webhook.status, 200, await webhook.text());
    const [decision] = (await (await fetch(`${remediation}/audit`)).json()) as AuditView[];
    assert.ok(decision);
    assert.equal(decision.action, 'rollback-last-rollout');

    const browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
          problems.push(message.text());
        }
      });
      const response = await page.goto(`${gatewayUrl}/heal`);
      assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
      const row = page.locator('#rollouts tbody tr[data-service="catalog"]');
      await row.waitFor({ timeout: 20_000 });
      const cells = await row.locator('td').allTextContents();
      assert.deepEqual(cells, [
        `catalog #${record.id}`,
        'base → v9 (never-ready)',
        'RolledBack',
        record.step,
        `${record.replaced}/${record.of}`,
        `failed: ${record.reason}`,
        record.rollbackMs === undefined
          ? '–'
          : `${(record.rollbackMs / 1000).toFixed(1)} s after the first bad signal`,
      ]);
      const entry = page.locator(`#remediation tbody tr[data-id="${decision.id}"]`);
      await entry.waitFor({ timeout: 20_000 });
      const shown = await entry.locator('td').allTextContents();
      assert.deepEqual(shown.slice(1), [
        'rollback-last-rollout',
        decision.target ?? '–',
        'ServiceErrorRatioHigh (firing)',
        decision.outcome,
        decision.detail,
        decision.dryRun ? 'yes' : 'no',
      ]);
      await page.screenshot({ path: '/tmp/rebound-heal-remediation.png', fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
});
