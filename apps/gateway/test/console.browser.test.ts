// Browser smoke test of the web console with Debian's Chromium (never a downloaded browser): products are
// listed, the platform status shows every replica, an order is placed and looked up. Leaves a screenshot in
// /tmp/rebound-gateway-console.png.
import assert from 'node:assert/strict';
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
