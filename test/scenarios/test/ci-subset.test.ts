// The CI subset against one real platform (every process under the local supervisor, real sockets, broker and
// PostgreSQL): the heal view driven in Debian's Chromium (never a downloaded browser), each scenario marked `ci`
// must PASS, and a fault that never takes effect must come out INCONCLUSIVE. Screenshots: /tmp/rebound-heal-*.png.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Platform, startPlatform } from '@rebound/e2e';
import { keepAliveClock, sleep } from '@rebound/load';
import { CHROMIUM_LAUNCH_OPTIONS, skipUnlessBinary, waitFor } from '@rebound/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { CATALOGUE } from '../src/catalogue/index.ts';
import { connectTarget, type Target } from '../src/platform.target.ts';
import { counterRises, ready } from '../src/scenario.conditions.ts';
import { runScenario, type ScenarioReport } from '../src/scenario.runner.ts';
import type { Scenario } from '../src/scenario.types.ts';
import { Traffic } from '../src/traffic.generator.ts';

const ADMIN_TOKEN = 'rebound-local-admin';
const SCREENSHOTS = '/tmp/rebound-heal';
const noChromium = skipUnlessBinary('chromium', 'chromium');

describe('the platform healing, judged', () => {
  let platform: Platform;
  let target: Target;
  let traffic: Traffic | undefined;
  const reports: ScenarioReport[] = [];

  /** The scenarios' own traffic, started after the browser test (whose heal view runs traffic of its own). */
  async function scenarioTraffic(): Promise<Traffic> {
    if (!traffic) {
      traffic = new Traffic({ gatewayUrl: target.gatewayUrl, seed: 16, load: { rate: 8 } });
      traffic.start();
      await sleep(keepAliveClock, 5_000);
    }
    return traffic;
  }

  before(async () => {
    platform = await startPlatform({ optional: [] });
    target = await connectTarget({ dataDir: platform.dataDir });
  });

  after(async () => {
    await traffic?.stop();
    for (const report of reports) {
      const o = report.observed;
      process.stdout.write(
        `# scenarios | ${report.scenario} ${report.verdict} confirmed ${o.confirmedAfterMs} ms detected ${o.detectedAfterMs} ms recovered ${o.recoveredAfterMs} ms, during ${o.during?.window.ok}/${o.during?.window.operations}, ${Math.round(report.durationMs / 1000)} s\n`,
      );
    }
    await platform?.stop();
  });

  describe('the heal view in Chromium', { skip: noChromium }, () => {
    let browser: Browser;
    before(async () => {
      browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
    });
    after(async () => browser?.close());

    const breakerPill = (page: Page) =>
      page.locator(
        '#dependencies tr[data-target="gateway rebound.catalog.v1.CatalogService/ListProducts"] .pill',
      );
    const fallbacks = async (page: Page) =>
      Number(await page.locator('#edge-line').getAttribute('data-fallbacks'));

    /** Whatever happened in the browser, the heal view's traffic stops and catalog's faults are off. */
    async function cleanUp(): Promise<void> {
      await fetch(`${target.gatewayUrl}/console/heal/traffic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ running: false }),
      }).catch(() => undefined);
      for (const replica of await target.replicas('catalog')) {
        await target.admin(replica, 'DELETE', '/admin/faults').catch(() => undefined);
      }
    }

    it('starts traffic, opens and closes the catalog breaker with a fault switch, runs a scenario to its verdict', async (t) => {
      t.after(cleanUp);
      const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      // Script errors and CSP violations fail the test; an HTTP error status (a 503 while the gateway sheds) is
      // the page's to show, and it does, in #heal-error.
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
          problems.push(message.text());
        }
      });
      const response = await page.goto(`${target.gatewayUrl}/heal`);
      assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
      assert.equal(response?.headers()['x-content-type-options'], 'nosniff');
      await page.locator('#admin-token').fill(ADMIN_TOKEN);
      await page.locator('#processes tbody tr').first().waitFor();

      await page.getByRole('button', { name: 'Start traffic' }).click();
      await page.locator('#traffic-line', { hasText: 'last second ok' }).waitFor({ timeout: 20_000 });
      await page
        .locator('#services tr[data-service="gateway"] svg.spark polyline[points*=","]')
        .first()
        .waitFor({
          state: 'attached',
          timeout: 20_000,
        });
      await breakerPill(page).filter({ hasText: 'closed' }).waitFor({ timeout: 20_000 });
      const fallbacksBefore = await fallbacks(page);
      await page.screenshot({ path: `${SCREENSHOTS}-1-steady.png`, fullPage: true });

      await page.getByRole('button', { name: 'errors fault on catalog' }).click();
      await breakerPill(page).filter({ hasText: 'open' }).waitFor({ timeout: 30_000 });
      await page.waitForFunction(
        `Number(document.querySelector('#edge-line')?.getAttribute('data-fallbacks')) > ${fallbacksBefore}`,
        undefined,
        { timeout: 30_000 },
      );
      await page.screenshot({ path: `${SCREENSHOTS}-2-breaker-open.png`, fullPage: true });

      await page.getByRole('button', { name: 'faults off on catalog' }).click();
      await breakerPill(page).filter({ hasText: 'closed' }).waitFor({ timeout: 60_000 });
      await page.screenshot({ path: `${SCREENSHOTS}-3-breaker-closed.png`, fullPage: true });

      // The partition switch: orders' link to payments cut on both replicas, then healed with the rest.
      const orders = await target.replicas('orders');
      const linkFaultsOn = () => target.metric(orders, 'rebound_fault_active', { fault: 'link' });
      await page.getByRole('button', { name: 'partition orders from payments' }).click();
      await waitFor(async () => (await linkFaultsOn()) === orders.length, {
        description: 'every orders replica has its link to payments cut',
      });
      await page.getByRole('button', { name: 'faults off on orders' }).click();
      await waitFor(async () => (await linkFaultsOn()) === 0, { description: 'the link heals' });

      await page.locator('#scenario-name').selectOption('catalog-replica-kill');
      await page.getByRole('button', { name: 'Run scenario' }).click();
      // Before its fault the run waits for a steady window and for the books to settle after the partition
      // above (sagas it held finishing): on a loaded machine that alone can take a minute.
      await page
        .locator('#scenario-verdict', { hasText: /PASS|FAIL|INCONCLUSIVE/ })
        .waitFor({ timeout: 180_000 })
        .catch(async (error: Error) => {
          const timeline = (await page.locator('#scenario-timeline').textContent()) ?? '';
          throw new Error(`no verdict: ${error.message}; timeline so far: ${timeline}`);
        });
      const verdict = (await page.locator('#scenario-verdict').textContent()) ?? '';
      await page.screenshot({ path: `${SCREENSHOTS}-4-verdict.png`, fullPage: true });
      assert.match(
        verdict,
        /^catalog-replica-kill: PASS$/,
        (await page.locator('#scenario-timeline').textContent()) ?? '',
      );

      await page.getByRole('button', { name: 'Stop traffic' }).click();
      await page.locator('#traffic-line', { hasText: 'stopped' }).waitFor();
      assert.deepEqual(problems, []);
    });
  });

  for (const scenario of CATALOGUE.filter((s) => s.ci)) {
    it(`${scenario.name} passes`, async () => {
      const report = await runScenario(scenario, {
        target,
        traffic: await scenarioTraffic(),
        steadyWindowMs: 5_000,
        settleMs: 20_000,
      });
      reports.push(report);
      assert.equal(
        report.verdict,
        'PASS',
        `${report.reasons.join('; ')}\n${JSON.stringify(report.timeline, null, 1)}`,
      );
      const phases = report.timeline.map((entry) => entry.phase);
      for (const phase of [
        'steady-before',
        'injected',
        'confirmed',
        'detected',
        'recovered',
        'steady-after',
      ] as const) {
        assert.ok(phases.includes(phase), `${phase} in the timeline`);
      }
      assert.ok(report.observed.after?.invariants.every((i) => i.ok));
    });
  }

  it('calls a fault that never takes effect INCONCLUSIVE, not PASS', async () => {
    const noEffect: Scenario = {
      name: 'no-effect',
      mechanism: 'failing-dependency',
      proves: 'nothing: the fault switches nothing on',
      load: { rate: 8 },
      steady: { minSuccessRatio: 0.98, maxP99Ms: 2_000 },
      fault: {
        describe: 'catalog-0: POST /admin/faults {"errorRate":0}',
        inject: async ({ target: t }) => {
          await t.admin('catalog-0', 'POST', '/admin/faults', { errorRate: 0 });
        },
        clear: async () => {},
        confirm: counterRises('gateway', 'rebound_rpc_client_requests_total', { outcome: 'UNAVAILABLE' }),
        confirmWithinMs: 3_000,
        holdMs: 0,
      },
      detection: { signal: ready('catalog-0'), withinMs: 3_000 },
      recovery: { condition: ready('catalog-0'), withinMs: 3_000 },
    };
    const report = await runScenario(noEffect, {
      target,
      traffic: await scenarioTraffic(),
      steadyWindowMs: 5_000,
      settleMs: 20_000,
    });
    assert.equal(report.verdict, 'INCONCLUSIVE', report.reasons.join('; '));
    assert.deepEqual(report.reasons, ['the fault was never confirmed to take effect']);
  });
});
