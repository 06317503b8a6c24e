// The degradation-flag actions end to end on real processes: a real gateway pair (on a real catalog), a real
// notifications service on the dev broker, the controller as its own process. The webhooks are posted as
// Alertmanager posts them (the path through the real Prometheus and Alertmanager is remediation.e2e.test.ts's);
// the supervisor's `/status` is answered by a loopback server listing these processes as the supervisor lists
// its replicas (name, process, state, ready, pid, adminPort), so no platform starts here.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type OrderEvent, serializeOrderEvent } from '@rebound/contracts';
import { start as startBroker } from '@rebound/kafka-dev';
import { createKafka, createProducer, type MessageProducer } from '@rebound/messaging';
import {
  freePort,
  metricValue,
  readNotifications,
  type ServiceProcess,
  startServiceProcess,
  waitFor,
} from '@rebound/testing';
import type { AuditEntry } from '../src/index.ts';
import { Child, getJson } from './support/processes.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const REMEDIATION_CLI = join(ROOT, 'infra', 'remediation', 'src', 'cli.ts');
const main = (app: string) => join(ROOT, 'apps', app, 'dist', 'main.js');
const KEY = { 'x-api-key': 'key-a' };

function confirmed(orderId: string): OrderEvent {
  return {
    type: 'OrderConfirmed',
    eventId: randomUUID(),
    orderId,
    occurredAt: new Date().toISOString(),
    version: 1,
    reservationId: orderId,
    paymentId: orderId,
  };
}

function webhook(status: 'firing' | 'resolved', alertname: string, labels: Record<string, string>) {
  return {
    version: '4',
    status,
    receiver: 'remediation',
    alerts: [
      {
        status,
        labels: { alertname, severity: 'ticket', ...labels },
        annotations: { summary: `${alertname} (test)` },
        startsAt: '2026-01-01T00:00:00Z',
        fingerprint: `fp-${alertname}`,
      },
    ],
  };
}

describe('degradation-flag actions on real services', { timeout: 240_000 }, () => {
  let dir: string;
  let broker: Awaited<ReturnType<typeof startBroker>> | undefined;
  let producer: MessageProducer | undefined;
  let catalog: ServiceProcess | undefined;
  const gateways: { process: ServiceProcess; url: string }[] = [];
  let notifications: ServiceProcess | undefined;
  let status: Server | undefined;
  let remediation: Child | undefined;
  let remediationUrl = '';

  const post = async (body: unknown) => {
    const response = await fetch(`${remediationUrl}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200, await response.text());
  };
  const audit = () => getJson<AuditEntry[]>(`${remediationUrl}/audit`);
  const flagOf = (service: ServiceProcess, flag: string) =>
    metricValue(service.adminUrl, `rebound_degradation_flag{flag="${flag}"`);
  const products = (url: string) => fetch(`${url}/api/products`, { headers: KEY });
  const lag = async () =>
    (await (await fetch(`${notifications!.adminUrl}/metrics`)).text())
      .split('\n')
      .filter((line) =>
        line.startsWith('rebound_kafka_consumer_lag{group="notifications",topic="orders.events"'),
      )
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);

  before(
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'rebound-remediation-flags-'));
      const kafkaPort = await freePort();
      broker = await startBroker({ port: kafkaPort, dataDir: join(dir, 'kafka') });
      const brokers = `127.0.0.1:${kafkaPort}`;
      const relaxed = { OVERLOAD_EVENT_LOOP_DELAY_MS: '10000', SHUTDOWN_DRAIN_DELAY_MS: '0' };
      [catalog, notifications] = await Promise.all([
        startServiceProcess({
          script: main('catalog'),
          env: { SERVICE_NAME: 'catalog', SERVICE_INSTANCE: 'catalog-0', ...relaxed },
          readyTimeoutMs: 90_000,
        }),
        startServiceProcess({
          script: main('notifications'),
          env: {
            SERVICE_NAME: 'notifications',
            SERVICE_INSTANCE: 'notifications-0',
            DATA_DIR: join(dir, 'notifications'),
            KAFKA_BROKERS: brokers,
            ...relaxed,
          },
          readyTimeoutMs: 90_000,
        }),
      ]);
      for (const index of [0, 1]) {
        const httpPort = await freePort();
        const process = await startServiceProcess({
          script: main('gateway'),
          env: {
            SERVICE_NAME: 'gateway',
            SERVICE_INSTANCE: `gateway-${index}`,
            HTTP_PORT: String(httpPort),
            CATALOG_ADDRS: catalog.address,
            ORDERS_ADDRS: `127.0.0.1:${await freePort()}`,
            CATALOG_DEADLINE_MS: '5000',
            ...relaxed,
          },
          readyTimeoutMs: 90_000,
        });
        gateways.push({ process, url: `http://127.0.0.1:${httpPort}` });
      }
      const replicas = [
        ...gateways.map((g, i) => ({ name: `gateway-${i}`, process: 'gateway', service: g.process })),
        { name: 'notifications-0', process: 'notifications', service: notifications },
        { name: 'catalog-0', process: 'catalog', service: catalog },
      ];
      status = createServer((req, res) => {
        if (req.url !== '/status') return void res.writeHead(404).end();
        const rows = replicas.map((r) => ({
          name: r.name,
          process: r.process,
          state: 'running',
          ready: true,
          pid: r.service.child.pid,
          adminPort: r.service.adminPort,
        }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ rows }));
      });
      await new Promise<void>((resolve) => status!.listen(0, '127.0.0.1', resolve));
      const address = status.address() as { port: number };
      mkdirSync(join(dir, 'local'), { recursive: true });
      writeFileSync(
        join(dir, 'local', 'supervisor.json'),
        JSON.stringify({ url: `http://127.0.0.1:${address.port}` }),
      );
      remediation = new Child(process.execPath, [
        '--conditions=development',
        REMEDIATION_CLI,
        '--port',
        '0',
        '--data-root',
        dir,
      ]);
      remediationUrl = (
        await remediation.waitFor(/remediation controller on (http:\/\/[\d.:]+)/, 'remediation')
      )[1]!;
      producer = createProducer(createKafka({ clientId: 'remediation-flags-test', brokers: [brokers] }));
      await waitFor(async () => (await fetch(`${notifications!.adminUrl}/readyz`)).ok, {
        timeoutMs: 60_000,
        description: 'notifications consuming',
      });
    },
    { timeout: 180_000 },
  );

  after(async () => {
    await remediation?.stop();
    await producer?.close();
    status?.closeAllConnections();
    await new Promise((resolve) => (status ? status.close(resolve) : resolve(undefined)));
    await Promise.allSettled([...gateways.map((g) => g.process.stop()), notifications?.stop()]);
    await catalog?.stop();
    await broker?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('CatalogUnavailable switches serve-cached-catalog on at every gateway; its resolution switches it off', async () => {
    // Each gateway keeps a good copy first (the flag serves copies; it never fetches).
    for (const g of gateways) {
      await waitFor(async () => (await products(g.url)).status === 200, { description: 'a fresh list' });
    }
    await post(
      webhook('firing', 'CatalogUnavailable', { service: 'catalog', remediation: 'serve-cached-catalog' }),
    );
    const [executed] = await audit();
    assert.equal(executed?.outcome, 'executed', JSON.stringify(executed));
    assert.equal(executed?.target, 'gateway');
    assert.equal(executed?.runbook, 'docs/runbooks/CatalogUnavailable.md');
    assert.match(executed?.detail ?? '', /serve-cached-catalog on at gateway-0, gateway-1/);
    for (const g of gateways) {
      assert.equal(await flagOf(g.process, 'serve-cached-catalog'), 1);
      const answer = await products(g.url);
      assert.equal(answer.status, 200);
      assert.match(answer.headers.get('x-rebound-fallback') ?? '', /flag=serve-cached-catalog/);
    }
    // Notified again while it fires: inside the cool-down nothing runs again.
    await post(
      webhook('firing', 'CatalogUnavailable', { service: 'catalog', remediation: 'serve-cached-catalog' }),
    );
    assert.equal((await audit())[0]?.outcome, 'cooldown');

    await post(
      webhook('resolved', 'CatalogUnavailable', { service: 'catalog', remediation: 'serve-cached-catalog' }),
    );
    const [undone] = await audit();
    assert.equal(undone?.outcome, 'undone', JSON.stringify(undone));
    assert.match(undone?.detail ?? '', /serve-cached-catalog off at gateway-0, gateway-1/);
    for (const g of gateways) {
      assert.equal(await flagOf(g.process, 'serve-cached-catalog'), 0);
      const answer = await products(g.url);
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('x-rebound-fallback'), null);
    }
  });

  it('NotificationsFailing holds delivery; on its resolution every held notification is delivered once', async () => {
    const labels = { service: 'notifications', remediation: 'hold-notifications' };
    await post(webhook('firing', 'NotificationsFailing', labels));
    const [executed] = await audit();
    assert.equal(executed?.outcome, 'executed', JSON.stringify(executed));
    assert.match(executed?.detail ?? '', /hold-notifications on at notifications-0/);
    assert.equal(await flagOf(notifications!, 'hold-notifications'), 1);

    const before = (await readNotifications(notifications!.adminUrl)).length;
    const held = Array.from({ length: 30 }, (_, i) => confirmed(`flagged-${i}`));
    await producer!.send([
      {
        topic: 'orders.events',
        messages: held.map((event) => ({
          key: event.orderId,
          value: serializeOrderEvent(event).toString('utf8'),
          id: event.eventId,
          type: event.type,
        })),
      },
    ]);
    await waitFor(async () => (await lag()) === 30, { description: '30 records held in Kafka' });
    assert.equal(
      (await readNotifications(notifications!.adminUrl)).length,
      before,
      'nothing delivered while held',
    );

    await post(webhook('resolved', 'NotificationsFailing', labels));
    assert.equal((await audit())[0]?.outcome, 'undone');
    assert.equal(await flagOf(notifications!, 'hold-notifications'), 0);
    const flagged = async () =>
      (await readNotifications(notifications!.adminUrl)).filter((r) => r.orderId.startsWith('flagged-'));
    await waitFor(async () => (await flagged()).length >= held.length, {
      timeoutMs: 60_000,
      description: 'the held notifications delivered',
    });
    const rows = await flagged();
    assert.deepEqual(
      rows.map((r) => r.eventId).sort(),
      held.map((e) => e.eventId).sort(),
      'each held notification recorded exactly once',
    );
    const metrics = await (await fetch(`${remediationUrl}/metrics`)).text();
    for (const action of ['serve-cached-catalog', 'hold-notifications']) {
      assert.match(metrics, new RegExp(`decisions_total\\{action="${action}",outcome="executed"\\} 1`));
      assert.match(metrics, new RegExp(`decisions_total\\{action="${action}",outcome="undone"\\} 1`));
    }
  });
});
