import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startWebhookReceiver } from '../src/index.ts';

const payload = {
  version: '4',
  status: 'firing',
  receiver: 'local-page',
  groupLabels: { alertname: 'ServiceDown', service: 'orders' },
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'ServiceDown', service: 'orders', severity: 'page' },
      annotations: { summary: 'Every instance of orders is down' },
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
    },
  ],
};

describe('webhook receiver', () => {
  it('stores each notification under the receiver named by the path, in memory and as a JSON line', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rebound-webhook-')), 'alerts.jsonl');
    const lines: string[] = [];
    const receiver = await startWebhookReceiver({ file, log: (line) => lines.push(line) });
    try {
      const response = await fetch(`${receiver.url}/alerts/local-page`, {
        method: 'POST',
        body: JSON.stringify(payload),
      });
      assert.equal(response.status, 200);
      const listed = (await (await fetch(`${receiver.url}/alerts`)).json()) as { receiver: string }[];
      assert.deepEqual(
        listed.map((n) => n.receiver),
        ['local-page'],
      );
      assert.equal(receiver.notifications()[0]?.alerts[0]?.labels.alertname, 'ServiceDown');
      assert.equal(JSON.parse(readFileSync(file, 'utf8').trim()).receiver, 'local-page');
      assert.deepEqual(lines, [
        'FIRING [page] ServiceDown service=orders (local-page): Every instance of orders is down',
      ]);
    } finally {
      await receiver.close();
    }
  });

  it('refuses malformed bodies and unknown paths without storing anything', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const bad = await fetch(`${receiver.url}/alerts/x`, { method: 'POST', body: '{nope' });
      assert.equal(bad.status, 400);
      const noAlerts = await fetch(`${receiver.url}/alerts/x`, { method: 'POST', body: '{}' });
      assert.equal(noAlerts.status, 400);
      const elsewhere = await fetch(`${receiver.url}/other`, { method: 'POST', body: '{}' });
      assert.equal(elsewhere.status, 404);
      assert.equal(receiver.notifications().length, 0);
    } finally {
      await receiver.close();
    }
  });
});
