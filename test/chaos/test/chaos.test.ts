import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { adminRequest, metricValue, waitFor } from '@rebound/testing';
import { Kafka, logLevel } from 'kafkajs';
import { account, baseline, placeOrders, report, settleKeys, submit } from './accounting.ts';
import { type Platform, setProcessor, startPlatform } from './platform.ts';

const execFileAsync = promisify(execFile);
const dlqCli = fileURLToPath(new URL('../../../libs/messaging/src/dlq.cli.ts', import.meta.url));

const resumed = async (platform: Platform) =>
  (await metricValue(platform.orders.adminUrl, 'rebound_orders_sagas_resumed_total')) ?? 0;

describe('chaos: orders, inventory, payments, notifications and the dev broker (each on its own PostgreSQL database), exact accounting', () => {
  let dir: string;
  let platform: Platform;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebound-chaos-'));
    platform = await startPlatform(dir);
  });

  after(async () => {
    await platform?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('kill -9 orders mid-saga, three times under load: every saga resumes from its checkpoint', async () => {
    const before = await baseline(platform);
    // Slow charges keep sagas in flight when a kill lands.
    await setProcessor(platform.payments, { latencyMs: 200 });
    const load = placeOrders(platform, 'kill-orders', 45, 4);
    let resumedTotal = 0;
    for (let kill = 1; kill <= 3; kill++) {
      await waitFor(() => load.attempted() >= kill * 10, {
        timeoutMs: 60_000,
        description: `${kill * 10} orders submitted`,
      });
      resumedTotal += await resumed(platform);
      platform.orders.child.kill('SIGKILL');
      await platform.orders.exited;
      await platform.restartOrders();
    }
    await load.done;
    await setProcessor(platform.payments, { latencyMs: 0 });
    await settleKeys(platform, load);
    const summary = await account(platform, load, before, 'kill-orders');
    resumedTotal += await resumed(platform);
    assert.ok(resumedTotal > 0, 'at least one saga was cut mid-way and resumed from its checkpoint');
    report('kill -9 orders x3', summary, { resumed: String(resumedTotal) });
  });

  it('kill -9 the broker for a while under load: checkout goes on, the outbox backlog drains after restart', async () => {
    const before = await baseline(platform);
    const backlog = async () =>
      (await metricValue(platform.orders.adminUrl, 'rebound_outbox_backlog_messages')) ?? Number.NaN;
    await platform.broker.kill();
    const load = placeOrders(platform, 'kill-broker', 40, 4);
    await load.done;
    await settleKeys(platform, load);
    // Every saga finished while the broker was down: checkout never waited for Kafka.
    await waitFor(async () => (await backlog()) >= load.keys.length * 2, {
      timeoutMs: 60_000,
      description: 'OrderPlaced and a final event per order waiting in the outbox',
    });
    const waiting = await backlog();
    const restarted = performance.now();
    await platform.broker.start();
    await waitFor(async () => (await backlog()) === 0, { timeoutMs: 60_000, description: 'outbox drained' });
    const drainMs = Math.round(performance.now() - restarted);
    const summary = await account(platform, load, before, 'kill-broker');
    report('kill -9 broker', summary, { backlog: String(waiting), drainMs: String(drainMs) });
  });

  it('kill -9 notifications under load: checkout is unaffected, its backlog drains after restart', async () => {
    const before = await baseline(platform);
    const load = placeOrders(platform, 'kill-notifications', 40, 4);
    await waitFor(() => load.attempted() >= 10, { timeoutMs: 60_000, description: '10 orders submitted' });
    platform.notifications.child.kill('SIGKILL');
    await platform.notifications.exited;
    await load.done;
    await settleKeys(platform, load);
    await platform.restartNotifications();
    const summary = await account(platform, load, before, 'kill-notifications');
    report('kill -9 notifications', summary);
  });

  it('payments failing 50% for a while: every order ends confirmed or compensated, never charged twice', async () => {
    const before = await baseline(platform);
    await setProcessor(platform.payments, { failureRate: 0.5 });
    const load = placeOrders(platform, 'payments-flaky', 40, 4);
    await load.done;
    await setProcessor(platform.payments, { failureRate: 0 });
    await settleKeys(platform, load);
    const summary = await account(platform, load, before, 'payments-flaky');
    report('payments failing 50%', summary);
  });

  it('duplicate submissions with the same idempotency key, concurrently: one order per key', async () => {
    const before = await baseline(platform);
    const keys = Array.from({ length: 20 }, (_, i) => `dup-${i}`);
    const ids = new Map<string, Set<string>>();
    await Promise.all(
      keys.flatMap((key) =>
        [0, 1, 2].map(async () => {
          const seen = new Map<string, string>();
          await submit(platform, key, seen).catch(() => undefined);
          const id = seen.get(key);
          if (id) ids.set(key, (ids.get(key) ?? new Set()).add(id));
        }),
      ),
    );
    for (const [key, set] of ids) assert.equal(set.size, 1, `${key}: every submission got the same order`);
    const load = { keys, accepted: new Map<string, string>() };
    await settleKeys(platform, load);
    for (const [key, id] of load.accepted) assert.ok(!ids.has(key) || ids.get(key)?.has(id));
    const summary = await account(platform, load, before, 'duplicates');
    report('duplicate submissions x3', summary, { submissions: String(keys.length * 3) });
  });

  it('a poison event → retry topics → DLQ (listed with its reason) → replay: never blocks the orders behind it', async () => {
    const before = await baseline(platform);
    const brokers = `127.0.0.1:${platform.broker.port}`;
    const dlq = (...args: string[]) =>
      execFileAsync(process.execPath, [dlqCli, ...args, '--topic', 'orders.events', '--brokers', brokers]);
    const letters = async () =>
      (await dlq('list')).stdout
        .split('\n')
        .filter(Boolean)
        .map(
          (line) =>
            JSON.parse(line) as { eventId?: string; reason?: string; attempts: number; replayed: boolean },
        )
        .filter((letter) => letter.eventId === 'poison-1');
    // A record no consumer can parse, as a buggy producer would write it.
    const kafka = new Kafka({ clientId: 'chaos-poison', brokers: [brokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic: 'orders.events',
        messages: [
          {
            key: 'poison-order',
            value: '{"type":"OrderConfirmed"',
            headers: { 'event-id': 'poison-1', 'event-type': 'OrderConfirmed' },
          },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const load = placeOrders(platform, 'poison', 20, 4);
    await load.done;
    await settleKeys(platform, load);
    const summary = await account(platform, load, before, 'poison');
    const [letter] = await waitFor(async () => ((await letters()).length === 1 ? letters() : undefined), {
      timeoutMs: 60_000,
      intervalMs: 1_000,
      description: 'the poison event in orders.events.dlq',
    });
    assert.match(letter?.reason ?? '', /invalid order event/);
    assert.equal(letter?.attempts, 3, 'tried once and from both retry topics');
    // Replay (as an operator would after a fix): it is consumed again; this handler still rejects it, so it comes
    // back to the DLQ instead of being lost or recorded, and nothing else changes.
    await dlq('replay', '--event-id', 'poison-1');
    await waitFor(async () => (await letters()).length === 2, {
      timeoutMs: 60_000,
      intervalMs: 1_000,
      description: 'the replayed poison event back in the DLQ',
    });
    const { json } = await adminRequest(platform.notifications.adminUrl, 'GET', '/admin/notifications');
    assert.equal((json.counts as { total: number }).total, before.notifications + summary.placed);
    report('poison event', summary, { deadLetters: '1', replayedBackToDlq: '1' });
  });

  it('a notifications handler broken for a while → its events dead-lettered → fixed → replayed: one notification per order', async () => {
    const before = await baseline(platform);
    const brokers = `127.0.0.1:${platform.broker.port}`;
    const dlq = (...args: string[]) =>
      execFileAsync(process.execPath, [dlqCli, ...args, '--topic', 'orders.events', '--brokers', brokers]);
    const deadKeys = async () =>
      (await dlq('list')).stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { key: string | null }).key);
    const faults = (failing: boolean) =>
      adminRequest(platform.notifications.adminUrl, 'POST', '/admin/handler-faults', { failing });
    assert.equal((await faults(true)).status, 200);
    const load = placeOrders(platform, 'broken-handler', 10, 2);
    await load.done;
    await settleKeys(platform, load);
    const orderIds = new Set(load.accepted.values());
    // Every order's two events (placed, then confirmed or cancelled) fail three times and land in the DLQ.
    await waitFor(
      async () =>
        (await deadKeys()).filter((key) => key !== null && orderIds.has(key)).length === 2 * orderIds.size,
      { timeoutMs: 90_000, intervalMs: 1_000, description: 'every event of the broken period in the DLQ' },
    );
    const { json } = await adminRequest(platform.notifications.adminUrl, 'GET', '/admin/notifications');
    assert.equal(
      (json.counts as { total: number }).total,
      before.notifications,
      'nothing notified while broken',
    );
    assert.equal((await faults(false)).status, 200);
    await dlq('replay');
    const summary = await account(platform, load, before, 'broken handler, fixed, replayed');
    report('handler broken, fixed, DLQ replayed', summary, { deadLettered: String(2 * orderIds.size) });
  });
});
