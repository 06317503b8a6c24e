import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type OrderEvent, serializeOrderEvent } from '@rebound/contracts';
import { start as startBroker } from '@rebound/kafka-dev';
import { createKafka, createProducer, listDeadLetters, replayDeadLetters } from '@rebound/messaging';
import {
  adminRequest,
  freePort,
  metricValue,
  readNotifications,
  type ServiceProcess,
  startServiceProcess,
  waitFor,
} from '@rebound/testing';
import { Kafka, logLevel, type Producer } from 'kafkajs';

const script = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const TOPIC = 'orders.events';

function confirmed(orderId: string, eventId = randomUUID()): OrderEvent {
  return {
    type: 'OrderConfirmed',
    eventId,
    orderId,
    occurredAt: new Date().toISOString(),
    version: 1,
    reservationId: orderId,
    paymentId: orderId,
  };
}

function cancelled(orderId: string): OrderEvent {
  return {
    type: 'OrderCancelled',
    eventId: randomUUID(),
    orderId,
    occurredAt: new Date().toISOString(),
    version: 1,
    reason: 'OUT_OF_STOCK',
    detail: 'p-001: 0 left',
  };
}

async function send(producer: Producer, event: OrderEvent): Promise<void> {
  await producer.send({
    topic: TOPIC,
    messages: [
      {
        key: event.orderId,
        value: serializeOrderEvent(event),
        headers: { 'event-id': event.eventId, 'event-type': event.type },
      },
    ],
  });
}

async function counts(
  service: ServiceProcess,
): Promise<{ total: number; confirmed: number; cancelled: number }> {
  const { status, json } = await adminRequest(service.adminUrl, 'GET', '/admin/notifications');
  assert.equal(status, 200);
  return json.counts as { total: number; confirmed: number; cancelled: number };
}

async function readyz(service: ServiceProcess): Promise<number> {
  const response = await fetch(`${service.adminUrl}/readyz`);
  await response.arrayBuffer();
  return response.status;
}

describe('notifications (the built service, the dev broker)', () => {
  let kafkaPort: number;
  let dataDir: string;
  let brokerDir: string;
  let broker: Awaited<ReturnType<typeof startBroker>> | undefined;
  let service: ServiceProcess;
  let producer: Producer;

  before(async () => {
    kafkaPort = await freePort();
    dataDir = await mkdtemp(join(tmpdir(), 'rebound-notifications-'));
    brokerDir = await mkdtemp(join(tmpdir(), 'rebound-notifications-kafka-'));
  });

  after(async () => {
    await producer?.disconnect();
    if (service) assert.equal(await service.stop(), 0, 'SIGTERM commits, leaves the group and exits 0');
    await broker?.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(brokerDir, { recursive: true, force: true });
  });

  it('starts and stays alive while Kafka is down, not ready until it consumes', async () => {
    service = await startServiceProcess({
      script,
      env: {
        SERVICE_NAME: 'notifications',
        DATA_DIR: dataDir,
        KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
      },
      waitReady: false,
    });
    await waitFor(async () => (await fetch(`${service.adminUrl}/startupz`)).ok, {
      timeoutMs: 60_000,
      description: 'notifications started',
    });
    assert.equal((await fetch(`${service.adminUrl}/livez`)).status, 200, 'liveness never depends on Kafka');
    assert.equal(await readyz(service), 503);
  });

  it('becomes ready and records a confirmed and a cancelled order once the broker is up', async () => {
    broker = await startBroker({ port: kafkaPort, dataDir: brokerDir });
    const kafka = new Kafka({ brokers: [`127.0.0.1:${kafkaPort}`], logLevel: logLevel.NOTHING });
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await waitFor(async () => (await readyz(service)) === 200, {
      timeoutMs: 60_000,
      description: 'the consumer running after the broker came up',
    });
    await send(producer, confirmed('order-1'));
    await send(producer, cancelled('order-2'));
    await waitFor(async () => (await counts(service)).total === 2, { description: 'two notifications' });
    assert.deepEqual(await counts(service), { total: 2, confirmed: 1, cancelled: 1 });
    // Readable from outside, by order and paged over every row.
    const byOrder = await adminRequest(service.adminUrl, 'GET', '/admin/notifications?orderId=order-2');
    assert.deepEqual(
      (byOrder.json.order as Array<{ orderId: string; kind: string }>).map((row) => [row.orderId, row.kind]),
      [['order-2', 'ORDER_CANCELLED']],
    );
    const page = await adminRequest(service.adminUrl, 'GET', '/admin/notifications?offset=1&limit=5');
    assert.equal((page.json.notifications as unknown[]).length, 1);
    assert.equal(await metricValue(service.adminUrl, 'rebound_notifications_recorded{kind="cancelled"'), 1);
    const bad = await adminRequest(service.adminUrl, 'GET', '/admin/notifications?limit=0');
    assert.equal(bad.status, 400);
    assert.match(String(bad.json.error), /limit/);
  });

  it('applies a redelivered event once, and one notification per order even under a new event id', async () => {
    const event = confirmed('order-3');
    await send(producer, event);
    await send(producer, event);
    await send(producer, confirmed('order-3'));
    await send(producer, confirmed('order-4'));
    await waitFor(async () => (await counts(service)).confirmed === 3, { description: 'order-4 recorded' });
    const duplicates = await metricValue(
      service.adminUrl,
      'rebound_kafka_handler_requests_total{operation="orders.events",outcome="duplicate"',
    );
    assert.equal(duplicates, 1, 'the same event id was recognised as a duplicate');
    assert.deepEqual(await counts(service), { total: 4, confirmed: 3, cancelled: 1 });
  });

  it('routes a poison event to the retry topic without holding back the events behind it', async () => {
    await producer.send({
      topic: TOPIC,
      messages: [
        { key: 'order-5', value: '{"type":"OrderConfirmed"', headers: { 'event-id': randomUUID() } },
      ],
    });
    await send(producer, cancelled('order-6'));
    await waitFor(async () => (await counts(service)).cancelled === 2, { description: 'order-6 recorded' });
    const retried = await metricValue(service.adminUrl, 'rebound_kafka_retries_total{topic="orders.events"');
    assert.equal(retried, 1);
  });

  it('reports its consumer lag per partition', async () => {
    await waitFor(
      async () =>
        (await metricValue(
          service.adminUrl,
          'rebound_kafka_consumer_lag{group="notifications",topic="orders.events",partition="0"',
        )) === 0,
      { description: 'the lag of orders.events back to 0' },
    );
  });

  it('sends events to the DLQ while its handler is broken, and applies each once when replayed after the fix', async () => {
    const broken = await adminRequest(service.adminUrl, 'POST', '/admin/handler-faults', { failing: true });
    assert.deepEqual(broken.json, { failing: true });
    const event = confirmed('order-7');
    await send(producer, event);
    // Tried on orders.events, then after 1 s and 10 s from the two retry topics, then dead-lettered.
    const kafka = createKafka({ clientId: 'notifications-test', brokers: [`127.0.0.1:${kafkaPort}`] });
    const letter = await waitFor(
      async () => (await listDeadLetters(kafka, TOPIC)).find((dead) => dead.eventId === event.eventId),
      { timeoutMs: 60_000, intervalMs: 500, description: 'the event in orders.events.dlq' },
    );
    assert.match(String(letter.reason), /injected handler failure/);
    assert.equal((await counts(service)).confirmed, 3, 'nothing recorded while the handler was broken');

    await adminRequest(service.adminUrl, 'POST', '/admin/handler-faults', { failing: false });
    const replayer = createProducer(kafka);
    try {
      // The earlier poison test left its own dead letter: the fix does not make it valid, so replay only ours.
      const replayed = await replayDeadLetters(kafka, TOPIC, {
        producer: replayer,
        eventIds: [event.eventId],
      });
      assert.deepEqual(
        replayed.map((dead) => dead.eventId),
        [event.eventId],
      );
      await waitFor(async () => (await counts(service)).confirmed === 4, { description: 'order-7 recorded' });
      // Replaying it once more is harmless: the consumer recognises the event id and records nothing.
      await replayDeadLetters(kafka, TOPIC, { producer: replayer, eventIds: [event.eventId] });
      await waitFor(
        async () =>
          (await metricValue(
            service.adminUrl,
            'rebound_kafka_handler_requests_total{operation="orders.events",outcome="duplicate"',
          )) === 2,
        { description: 'the second replay seen as a duplicate' },
      );
    } finally {
      await replayer.close();
    }
    assert.deepEqual(await counts(service), { total: 6, confirmed: 4, cancelled: 2 });
  });

  it('holds delivery while hold-notifications is on, and delivers each held notification once when it is off', async () => {
    const flag = (on: boolean) =>
      adminRequest(service.adminUrl, 'POST', '/admin/degradation', {
        flag: 'hold-notifications',
        on,
        reason: 'notifications.test',
      });
    const before = await counts(service);
    const handled = (outcome: string) =>
      metricValue(
        service.adminUrl,
        `rebound_kafka_handler_requests_total{operation="orders.events",outcome="${outcome}"`,
      );
    const processedBefore = (await handled('processed')) ?? 0;
    const duplicatesBefore = (await handled('duplicate')) ?? 0;
    const on = await flag(true);
    assert.equal(on.status, 200);
    assert.equal((on.json.flags as Record<string, { on: boolean }>)['hold-notifications']?.on, true);
    assert.equal(
      await metricValue(service.adminUrl, 'rebound_degradation_flag{flag="hold-notifications"'),
      1,
    );
    assert.equal(await readyz(service), 200, 'a hold is chosen, not a readiness failure');

    const held = Array.from({ length: 20 }, (_, i) => confirmed(`held-${i}`));
    for (const event of held) await send(producer, event);
    await send(producer, held[0]!);
    // The events wait in Kafka: the group's lag (read while no consumer runs) counts all 21 records.
    const lag = async () =>
      (await (await fetch(`${service.adminUrl}/metrics`)).text())
        .split('\n')
        .filter((line) =>
          line.startsWith('rebound_kafka_consumer_lag{group="notifications",topic="orders.events"'),
        )
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    await waitFor(async () => (await lag()) === 21, { description: 'the 21 held records as lag' });
    assert.deepEqual(await counts(service), before, 'nothing delivered while held');

    assert.equal((await flag(false)).status, 200);
    await waitFor(async () => (await counts(service)).confirmed === before.confirmed + 20, {
      timeoutMs: 60_000,
      description: 'the 20 held notifications delivered',
    });
    await waitFor(async () => (await lag()) === 0, { description: 'the lag back to 0' });
    const rows = (await readNotifications(service.adminUrl)).filter((row) => row.orderId.startsWith('held-'));
    assert.deepEqual(
      rows.map((row) => row.orderId).sort(),
      held.map((event) => event.orderId).sort(),
      'each held order notified exactly once',
    );
    assert.deepEqual(rows.map((row) => row.eventId).sort(), held.map((event) => event.eventId).sort());
    assert.equal((await handled('processed')) ?? 0, processedBefore + 20);
    assert.equal((await handled('duplicate')) ?? 0, duplicatesBefore + 1, 'the resent event applied once');
    assert.equal(
      await metricValue(service.adminUrl, 'rebound_degradation_flag{flag="hold-notifications"'),
      0,
    );
  });

  it('refuses the notifications listing and the handler faults without the admin token', async () => {
    const faults = await adminRequest(
      service.adminUrl,
      'POST',
      '/admin/handler-faults',
      { failing: true },
      null,
    );
    assert.equal(faults.status, 401);
    const { status } = await adminRequest(service.adminUrl, 'GET', '/admin/notifications', undefined, null);
    assert.equal(status, 401);
  });
});
