// Browser smoke test of the web console with Debian's Chromium (never a downloaded browser): products are
// listed, the platform status shows every replica, an order is placed and looked up. Leaves a screenshot in
// /tmp/rebound-gateway-console.png.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CHROMIUM_LAUNCH_OPTIONS, skipUnlessBinary } from '@rebound/testing';
import { type Browser, chromium } from 'playwright-core';
import { gatewayWithFakes } from './support/gateway-with-fakes.ts';

const skip = skipUnlessBinary('chromium', 'chromium');
const SCREENSHOT = '/tmp/rebound-gateway-console.png';

describe('web console', { skip }, () => {
  // API_KEYS unset: the documented local defaults, whose console key the page picks up by itself.
  const shop = gatewayWithFakes();
  let browser: Browser;

  before(async () => {
    browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
  });

  after(async () => {
    await browser?.close();
  });

  it('shows products and status, places an order and looks it up', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(shop.gateway.url);
    await page.locator('#products tbody tr').nth(1).waitFor();
    assert.deepEqual(await page.locator('#products tbody td:first-child').allTextContents(), [
      'Rubber duck',
      'Mug',
    ]);
    await page.locator('#status .pill', { hasText: 'SERVING' }).nth(1).waitFor();
    assert.equal(await page.locator('#status .pill', { hasText: 'READY' }).count(), 1);

    await page.getByLabel('quantity of Rubber duck').fill('2');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.locator('#order-result', { hasText: 'CONFIRMED' }).waitFor();
    const placed = (await page.locator('#order-result').textContent()) ?? '';
    assert.match(placed, /^order o-1: CONFIRMED, total 10\.00 EUR$/);

    await page.getByRole('button', { name: 'Look up' }).click();
    await page.locator('#lookup-result', { hasText: '"status": "CONFIRMED"' }).waitFor();
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.deepEqual(errors, []);
  });
});

describe('heal view: the rollouts and remediation panel', { skip }, () => {
  // The heal view's backend (test/scenarios) as a loopback server: this checks the page's rendering under the
  // gateway's CSP; that the backend passes on the supervisor's and the controller's answers is tested there
  // (heal.unit.test.ts, and on real processes by `pnpm --filter @rebound/scenarios test:heal-panel`).
  const reason = 'catalog-2: error ratio: new 50.0 % (10/20) vs old 0.0 % (0/67), bar +2.0 %';
  const state = {
    connected: true,
    error: undefined,
    panels: [],
    processes: [],
    services: [],
    dependencies: [],
    edge: {},
    alerts: { checked: false, firing: [], changes: [] },
    traffic: { running: false, rate: 8, abuser: false, badBodies: false },
    scenarios: [],
    run: undefined,
    rollouts: {
      checked: true,
      services: [
        {
          service: 'catalog',
          id: 3,
          from: 'base',
          to: 'v3 (error-ratio=0.5)',
          phase: 'RolledBack',
          step: 'rolled back',
          replaced: 0,
          of: 2,
          analysis: `failed: ${reason}`,
          reason,
          rollbackMs: 3600,
        },
        {
          service: 'payments',
          id: 2,
          from: 'base',
          to: 'v2',
          phase: 'Progressing',
          step: 'analysing payments-2 against the old replicas',
          replaced: 1,
          of: 2,
          analysis: 'analysing',
        },
      ],
    },
    remediation: {
      checked: true,
      entries: [
        {
          id: 9,
          at: '2026-01-01T00:01:00.123Z',
          action: 'restart-replica',
          target: 'catalog-1',
          outcome: 'dry_run',
          detail: 'would restart catalog-1',
          alert: { name: 'ReplicaErrorRatioOutlier', status: 'firing' },
          dryRun: true,
        },
      ],
    },
  };
  const backend = createServer((req, res) => {
    if (req.url !== '/heal/state') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state));
  });
  const env: Record<string, string> = {};
  before(async () => {
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    env.CONSOLE_HEAL_URL = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  });
  const shop = gatewayWithFakes(env);
  let browser: Browser;
  before(async () => {
    browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
  });
  after(async () => {
    await browser?.close();
    backend.close();
  });

  it('shows each rollout (version, phase, step, analysis, rollback) and each audited decision as given', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${shop.gateway.url}/heal`);
    await page.locator('#rollouts tbody tr').nth(1).waitFor();
    const rows = page.locator('#rollouts tbody tr');
    assert.deepEqual(await rows.nth(0).locator('td').allTextContents(), [
      'catalog #3',
      'base → v3 (error-ratio=0.5)',
      'RolledBack',
      'rolled back',
      '0/2',
      `failed: ${reason}`,
      '3.6 s after the first bad signal',
    ]);
    assert.deepEqual(await rows.nth(1).locator('td').allTextContents(), [
      'payments #2',
      'base → v2',
      'Progressing',
      'analysing payments-2 against the old replicas',
      '1/2',
      'analysing',
      '–',
    ]);
    assert.deepEqual(await page.locator('#remediation tbody tr[data-id="9"] td').allTextContents(), [
      '2026-01-01 00:01:00Z',
      'restart-replica',
      'catalog-1',
      'ReplicaErrorRatioOutlier (firing)',
      'dry_run',
      'would restart catalog-1',
      'yes',
    ]);
    assert.match((await page.locator('#remediation-note').textContent()) ?? '', /GET \/audit/);

    // A source that cannot be read says so instead of showing an empty table as if nothing happened.
    state.remediation = {
      checked: false,
      error: 'remediation GET /audit answered 500',
      entries: [],
    } as never;
    await page
      .locator('#remediation-note', { hasText: 'not read: remediation GET /audit answered 500' })
      .waitFor();
    assert.equal(await page.locator('#remediation tbody tr').count(), 0);
    assert.deepEqual(errors, []);
  });
});
