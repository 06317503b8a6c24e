import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Notification, startWebhookReceiver, type WebhookReceiver } from '@rebound/alertmanager';
import { adminRequest, skipUnlessBinary, waitFor } from '@rebound/testing';
import { type Engine, prometheusAlerts, startAlertmanager, startPrometheus } from './support/engines.ts';
import { checkout, type Shop, shopBuilt, startShop } from './support/shop.ts';

const skip =
  skipUnlessBinary('prometheus', 'prometheus') ||
  skipUnlessBinary('prometheus-alertmanager', 'prometheus-alertmanager') ||
  shopBuilt();
const BURN = 'CheckoutAvailabilityBudgetBurnFast';

/** Notifications for `alertname` with `status` that reached `receiver`. */
function received(
  webhook: WebhookReceiver,
  receiver: string,
  alertname: string,
  status: 'firing' | 'resolved',
  service?: string,
) {
  return webhook
    .notifications()
    .filter((n: Notification) => n.receiver === receiver)
    .flatMap((n) => n.alerts)
    .filter(
      (a) =>
        a.labels.alertname === alertname &&
        a.status === status &&
        (service === undefined || a.labels.service === service),
    );
}

/**
 * The real engines against the real shop: Debian's Prometheus and Alertmanager, started here on free ports,
 * with the production rule files (the SLO rules generated with windows divided by 60, see engines.ts) and
 * the production routes/inhibitions; the webhook receiver stands in for the pager.
 */
describe('alerts through real Prometheus and Alertmanager', { skip, timeout: 420_000 }, () => {
  let shop: Shop;
  let webhook: WebhookReceiver;
  let alertmanager: Engine;
  let prometheus: Engine;
  let dir: string;
  let traffic: Promise<void> | undefined;
  let running = true;
  let paused = false;
  const statuses = new Map<number, number>();

  before(
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'rebound-alerts-e2e-'));
      shop = await startShop();
      webhook = await startWebhookReceiver();
      alertmanager = await startAlertmanager(dir, webhook.url);
      prometheus = await startPrometheus(dir, shop.targets, alertmanager.url);
      // Steady checkout traffic, one at a time, at most ~10/s, for at most 6 minutes.
      const until = Date.now() + 360_000;
      traffic = (async () => {
        for (let i = 0; running && Date.now() < until; i++) {
          const started = Date.now();
          if (!paused) {
            const status = await checkout(shop.gatewayUrl, `e2e-${i}-${started}`).catch(() => 0);
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
          }
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - started))));
        }
      })();
    },
    { timeout: 240_000 },
  );

  after(async () => {
    running = false;
    await traffic;
    await prometheus?.stop();
    await alertmanager?.stop();
    await webhook?.close();
    await shop?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const orders = () => shop.services.get('orders')?.adminUrl ?? '';

  it('a blip of two failed checkouts does not fire the page-level burn-rate alert', async () => {
    // Enough good checkouts first that two failures stay under 3% of the (scaled) 6h and 1h windows.
    await waitFor(() => (statuses.get(201) ?? 0) >= 150, {
      timeoutMs: 90_000,
      intervalMs: 200,
      description: '150 checkouts',
    });
    paused = true;
    assert.equal(
      (await adminRequest(orders(), 'POST', '/admin/faults', { errorRate: 1, errorCode: 'UNAVAILABLE' }))
        .status,
      200,
    );
    for (let i = 0; i < 2; i++)
      assert.ok((await checkout(shop.gatewayUrl, `blip-${i}-${Date.now()}`)) >= 500);
    assert.equal((await adminRequest(orders(), 'DELETE', '/admin/faults')).status, 200);
    paused = false;
    // Watch for 10 s (the short window is 5 s, `for` 2 s): the alert must never even be pending.
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      const alerts = await prometheusAlerts(prometheus);
      assert.deepEqual(
        alerts.filter((a) => a.labels.alertname === BURN),
        [],
        'burn alert after a blip',
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.deepEqual(received(webhook, 'local-page', BURN, 'firing'), []);
  });

  it('a sustained error rate fires the burn-rate page, delivered to the page receiver', async () => {
    assert.equal(
      (await adminRequest(orders(), 'POST', '/admin/faults', { errorRate: 1, errorCode: 'UNAVAILABLE' }))
        .status,
      200,
    );
    try {
      await waitFor(() => received(webhook, 'local-page', BURN, 'firing').length > 0, {
        timeoutMs: 60_000,
        intervalMs: 200,
        description: `${BURN} at the webhook`,
      });
    } finally {
      await adminRequest(orders(), 'DELETE', '/admin/faults');
    }
    const [alert] = received(webhook, 'local-page', BURN, 'firing');
    assert.equal(alert?.labels.severity, 'page');
    assert.equal(alert?.annotations.runbook_url, `docs/runbooks/${BURN}.md`);
  });

  it('a broken notifications handler dead-letters order events: DeadLetterQueueNotEmpty reaches the ticket receiver', async () => {
    const notifications = shop.services.get('notifications')?.adminUrl ?? '';
    // Every event so far was handled: no dead letter, no alert.
    assert.deepEqual(
      (await prometheusAlerts(prometheus)).filter((a) => a.labels.alertname === 'DeadLetterQueueNotEmpty'),
      [],
    );
    assert.equal(
      (await adminRequest(notifications, 'POST', '/admin/handler-faults', { failing: true })).status,
      200,
    );
    try {
      // Each event fails, waits in both retry topics (1 s, 10 s) and then goes to orders.events.dlq.
      await waitFor(
        () =>
          received(webhook, 'local-ticket', 'DeadLetterQueueNotEmpty', 'firing', 'notifications').length > 0,
        { timeoutMs: 90_000, intervalMs: 250, description: 'DeadLetterQueueNotEmpty at the webhook' },
      );
    } finally {
      await adminRequest(notifications, 'POST', '/admin/handler-faults', { failing: false });
    }
    const [alert] = received(webhook, 'local-ticket', 'DeadLetterQueueNotEmpty', 'firing', 'notifications');
    assert.equal(alert?.labels.topic, 'orders.events');
    assert.equal(alert?.labels.severity, 'ticket');
    assert.equal(alert?.annotations.runbook_url, 'docs/runbooks/DeadLetterQueueNotEmpty.md');
  });

  it('a service killed for good pages ServiceDown (its InstanceDown inhibited), and a restart resolves it', async () => {
    const inventory = shop.services.get('inventory');
    assert.ok(inventory);
    inventory.child.kill('SIGKILL');
    await inventory.exited;
    await waitFor(() => received(webhook, 'local-page', 'ServiceDown', 'firing', 'inventory').length > 0, {
      timeoutMs: 120_000,
      intervalMs: 250,
      description: 'ServiceDown for inventory at the webhook',
    });
    // InstanceDown fired in Prometheus too, but Alertmanager's inhibition kept it from the ticket receiver.
    const firing = await prometheusAlerts(prometheus);
    assert.ok(
      firing.some(
        (a) =>
          a.labels.alertname === 'InstanceDown' && a.labels.service === 'inventory' && a.state === 'firing',
      ),
    );
    assert.deepEqual(received(webhook, 'local-ticket', 'InstanceDown', 'firing', 'inventory'), []);

    await shop.restart('inventory');
    await waitFor(() => received(webhook, 'local-page', 'ServiceDown', 'resolved', 'inventory').length > 0, {
      timeoutMs: 60_000,
      intervalMs: 250,
      description: 'ServiceDown for inventory resolved at the webhook',
    });
  });
});
