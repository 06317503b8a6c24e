import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { seededRandom } from '@rebound/resilience';
import { FakeClock, flushMicrotasks } from '@rebound/resilience/testing';
import type { Database } from '@rebound/storage';
import { waitFor } from '@rebound/testing';
import { Registry } from 'prom-client';
import {
  createIdempotentConsumer,
  createOutboxRelay,
  type MessageProducer,
  registerOutboxMetrics,
  writeOutbox,
} from '../src/index.ts';
import { readTopic, type TestBroker } from './support/broker.ts';
import { type OutboxFixture, openOutboxFixture } from './support/outbox-fixture.ts';

const event = (topic: string, key: string, n: number) => ({
  id: randomUUID(),
  topic,
  key,
  type: 'OrderPlaced',
  payload: JSON.stringify({ key, n }),
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
});

describe('outbox relay (PostgreSQL, dev broker)', () => {
  let broker: TestBroker;
  let db: Database;
  let producer: MessageProducer;

  let fixture: OutboxFixture | undefined;

  before(async () => {
    fixture = await openOutboxFixture('relay');
    ({ broker, db, producer } = fixture);
  });
  after(() => fixture?.close());

  it('never publishes rows written in a rolled-back transaction', async () => {
    const topic = 'rollback.events';
    await assert.rejects(
      db.transaction(async (tx) => {
        await writeOutbox(tx, event(topic, 'order-rolled-back', 1));
        throw new Error('business rule failed');
      }),
      /business rule failed/,
    );
    await db.transaction((tx) => writeOutbox(tx, event(topic, 'order-kept', 1)));
    const relay = createOutboxRelay({ db, producer });
    assert.equal(await relay.runOnce(), 1);
    assert.equal(await relay.runOnce(), 0);
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM outbox WHERE message_key = $1',
      ['order-rolled-back'],
    );
    assert.equal(rows[0]!.n, 0);
    const [record, ...rest] = await readTopic(broker.kafka('reader'), topic, 1);
    assert.equal(rest.length, 0);
    assert.equal(record!.key, 'order-kept');
    assert.equal(record!.headers['event-type'], 'OrderPlaced');
    assert.equal(record!.headers.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });

  it('publishes in order per key in batches and marks every row sent', async () => {
    const topic = 'ordered.events';
    for (let n = 0; n < 12; n++)
      for (const key of ['a', 'b', 'c']) await db.transaction((tx) => writeOutbox(tx, event(topic, key, n)));
    const relay = createOutboxRelay({ db, producer, batchSize: 7 });
    const registry = new Registry();
    registerOutboxMetrics(registry, relay);
    assert.equal((await relay.backlog()).count, 36);
    assert.match(await registry.metrics(), /^rebound_outbox_backlog_messages 36$/m);
    let total = 0;
    for (let count = await relay.runOnce(); count > 0; count = await relay.runOnce()) total += count;
    assert.equal(total, 36);
    assert.deepEqual(await relay.backlog(), { count: 0, oldestAgeSeconds: 0 });
    const text = await registry.metrics();
    assert.match(text, /^rebound_outbox_backlog_messages 0$/m);
    assert.match(text, /^rebound_outbox_published_total 36$/m);
    assert.match(text, /^rebound_outbox_publish_failures_total 0$/m);
    const records = await readTopic(broker.kafka('reader'), topic, 36);
    for (const key of ['a', 'b', 'c']) {
      const seq = records.filter((r) => r.key === key).map((r) => (JSON.parse(r.value) as { n: number }).n);
      assert.deepEqual(seq, [...Array(12).keys()]);
    }
  });

  it('backs off while the broker is down (no busy loop), then drains the backlog once it is back', async () => {
    const topic = 'outage.events';
    const clock = new FakeClock();
    const delays: number[] = [];
    const relay = createOutboxRelay({
      db,
      producer,
      clock,
      random: seededRandom(7),
      pollIntervalMs: 1_000,
      backoffBaseMs: 1_000,
      backoffMaxMs: 8_000,
      onError: (_error, _failures, delayMs) => delays.push(delayMs),
    });
    relay.start();
    await waitFor(() => relay.stats.rounds === 1 && clock.pendingTimers === 1, {
      description: 'first idle round',
    });
    await broker.stop();
    const keys = ['k1', 'k2', 'k3', 'k4'];
    for (let n = 0; n < 5; n++)
      for (const key of keys) await db.transaction((tx) => writeOutbox(tx, event(topic, key, n)));

    for (let failures = 1; failures <= 5; failures++) {
      await clock.tick(clock.nextDue! - clock.now());
      await waitFor(() => relay.stats.failures === failures && clock.pendingTimers === 1, {
        timeoutMs: 20_000,
        description: `failure ${failures}`,
      });
      // The next round waits for the clock: nothing runs however long we let the event loop spin.
      const rounds = relay.stats.rounds;
      for (let i = 0; i < 20; i++) await flushMicrotasks();
      assert.equal(relay.stats.rounds, rounds);
    }
    assert.equal(relay.stats.rounds, 6, 'one round per timer, no retry without the clock');
    for (let i = 1; i < delays.length; i++) {
      const ceiling = Math.min(8_000, 1_000 * 2 ** i);
      assert.ok(delays[i]! >= ceiling / 2 && delays[i]! <= ceiling, `delay ${i} = ${delays[i]}`);
    }
    assert.equal((await relay.backlog()).count, 20);

    await broker.restart();
    await waitFor(
      async () => {
        if (clock.pendingTimers === 1) await clock.tick(clock.nextDue! - clock.now());
        return (await relay.backlog()).count === 0;
      },
      { timeoutMs: 30_000, description: 'backlog drained' },
    );
    await relay.stop();

    const applied: string[] = [];
    const consumer = createIdempotentConsumer({
      kafka: broker.kafka('outage-consumer'),
      db,
      producer,
      groupId: 'outage-consumer',
      topic,
      retryDelaysMs: [],
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
      maxWaitTimeInMs: 200,
      handler: async (e) => {
        applied.push(e.value);
      },
    });
    await consumer.start();
    try {
      await waitFor(() => applied.length >= 20, { timeoutMs: 20_000, description: '20 events applied' });
      const records = await readTopic(broker.kafka('reader'), topic, 20);
      assert.ok(records.length >= 20);
      assert.equal(new Set(applied).size, applied.length, 'each event applied once');
      for (const key of keys) {
        const seq = applied
          .map((v) => JSON.parse(v) as { key: string; n: number })
          .filter((v) => v.key === key);
        assert.deepEqual(
          seq.map((v) => v.n),
          [0, 1, 2, 3, 4],
        );
      }
      await waitFor(async () => (await consumer.lag()).every((p) => p.lag === 0), { description: 'lag 0' });
    } finally {
      await consumer.close();
    }
  });
});
