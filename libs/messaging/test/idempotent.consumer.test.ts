import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Database, openPostgres } from '@rebound/storage';
import { serviceDatabaseUrl, waitFor } from '@rebound/testing';
import { Registry } from 'prom-client';
import {
  type ConsumedEvent,
  consumerOutcomeMetrics,
  createIdempotentConsumer,
  createProducer,
  type HandlerOutcome,
  listDeadLetters,
  type MessageProducer,
  PROCESSED_MESSAGES_SQL,
  registerConsumerLagMetric,
  replayDeadLetters,
} from '../src/index.ts';
import { startTestBroker, type TestBroker } from './support/broker.ts';

const fast = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, maxWaitTimeInMs: 200 } as const;

describe('idempotent consumer (PostgreSQL, dev broker)', () => {
  let broker: TestBroker;
  let db: Database;
  let producer: MessageProducer;

  before(async () => {
    broker = await startTestBroker();
    db = await openPostgres({ url: await serviceDatabaseUrl('notifications'), schema: 'notifications' });
    await db.exec(PROCESSED_MESSAGES_SQL);
    await db.exec('CREATE TABLE notifications (event_id text NOT NULL, order_id text NOT NULL)');
    producer = createProducer(broker.kafka('test-producer'));
  });
  after(async () => {
    await producer?.close();
    await db?.close();
    await broker?.dispose();
  });

  const publish = (topic: string, key: string, id: string, body: string) =>
    producer.send([{ topic, messages: [{ key, value: body, id, type: 'OrderConfirmed' }] }]);

  it('sends a poison event through the retry topics to the DLQ, and applies it once after replay', async () => {
    const topic = 'poison.events';
    let fixed = false;
    const attempts: ConsumedEvent[] = [];
    const outcomes: HandlerOutcome[] = [];
    const registry = new Registry();
    const metrics = consumerOutcomeMetrics(registry);
    const consumer = createIdempotentConsumer({
      kafka: broker.kafka('poison'),
      db,
      producer,
      groupId: 'notifications',
      topic,
      retryDelaysMs: [100, 300],
      ...fast,
      onOutcome: (event, outcome, durationMs) => {
        outcomes.push(outcome);
        metrics(event, outcome, durationMs);
      },
      handler: async (event, tx) => {
        attempts.push(event);
        if (event.value === 'poison' && !fixed) throw new Error('cannot parse order');
        await tx.query('INSERT INTO notifications (event_id, order_id) VALUES ($1, $2)', [
          event.id,
          event.key,
        ]);
      },
    });
    await consumer.start();
    try {
      const poisonId = randomUUID();
      await publish(topic, 'o-1', randomUUID(), 'ok');
      await publish(topic, 'o-2', poisonId, 'poison');
      await publish(topic, 'o-3', randomUUID(), 'ok');
      const letters = await waitFor(
        async () => {
          const list = await listDeadLetters(broker.kafka('dlq-list'), topic);
          return list.length === 1 ? list : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, description: 'one dead letter' },
      );
      const [letter] = letters;
      assert.equal(letter!.eventId, poisonId);
      assert.equal(letter!.key, 'o-2');
      assert.equal(letter!.attempts, 3);
      assert.equal(letter!.originalTopic, topic);
      assert.equal(letter!.originalPartition, 0);
      assert.equal(letter!.originalOffset, '1');
      assert.equal(letter!.reason, 'Error: cannot parse order');
      assert.equal(letter!.replayed, false);
      const poisonAttempts = attempts.filter((a) => a.id === poisonId);
      assert.deepEqual(
        poisonAttempts.map((a) => a.attempt),
        [1, 2, 3],
      );
      for (const retry of poisonAttempts.slice(1)) {
        // Each retry was handled no earlier than its not-before header allowed.
        assert.ok(Number(retry.headers['x-not-before']) <= Date.now());
        assert.equal(retry.topic, topic);
      }
      assert.deepEqual(outcomes.filter((o) => o !== 'processed').sort(), ['dead_letter', 'retry', 'retry']);
      const text = await registry.metrics();
      assert.match(text, /^rebound_kafka_dlq_messages_total\{topic="poison.events"\} 1$/m);
      assert.match(text, /^rebound_kafka_retries_total\{topic="poison.events"\} 2$/m);
      assert.match(
        text,
        /^rebound_kafka_handler_requests_total\{operation="poison.events",outcome="processed"\} 2$/m,
      );

      // The CLI shows the same dead letter.
      const cli = new URL('../src/dlq.cli.ts', import.meta.url).pathname;
      const listed = await promisify(execFile)(process.execPath, [
        '--conditions=development',
        cli,
        'list',
        '--topic',
        topic,
        '--brokers',
        broker.bootstrap,
      ]);
      const lines = listed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { eventId: string; reason: string });
      assert.deepEqual(
        lines.map((l) => [l.eventId, l.reason]),
        [[poisonId, 'Error: cannot parse order']],
      );

      fixed = true;
      const replayed = await replayDeadLetters(broker.kafka('dlq-replay'), topic, { producer });
      assert.equal(replayed.length, 1);
      await waitFor(
        async () =>
          (await db.query('SELECT 1 FROM notifications WHERE event_id = $1', [poisonId])).rows.length === 1,
        { timeoutMs: 20_000, description: 'replayed event applied' },
      );
      assert.deepEqual(await replayDeadLetters(broker.kafka('dlq-replay'), topic, { producer }), []);
      assert.equal((await listDeadLetters(broker.kafka('dlq-list'), topic))[0]!.replayed, true);

      // Replaying the same event again (by id) is a duplicate for the idempotent consumer: still one row.
      const again = await replayDeadLetters(broker.kafka('dlq-replay'), topic, {
        producer,
        eventIds: [poisonId],
      });
      assert.equal(again.length, 1);
      await waitFor(() => outcomes.includes('duplicate'), {
        timeoutMs: 20_000,
        description: 'duplicate skipped',
      });
      const { rows } = await db.query<{ event_id: string; n: number }>(
        'SELECT event_id, count(*)::int AS n FROM notifications GROUP BY event_id',
      );
      assert.equal(rows.length, 3);
      assert.ok(rows.every((r) => r.n === 1));
    } finally {
      await consumer.close();
    }
  });

  it('commits on graceful shutdown, so a restarted member starts after the last handled record', async () => {
    const topic = 'shutdown.events';
    const seen: string[] = [];
    const make = () =>
      createIdempotentConsumer({
        kafka: broker.kafka('shutdown'),
        db,
        producer,
        groupId: 'shutdown-group',
        topic,
        retryDelaysMs: [],
        ...fast,
        handler: async (event) => {
          seen.push(event.id);
        },
      });
    const first = make();
    await first.start();
    const ids = Array.from({ length: 10 }, () => randomUUID());
    for (const id of ids) await publish(topic, 'k', id, 'x');
    await waitFor(() => seen.length === 10, { timeoutMs: 20_000, description: '10 handled' });
    await first.close();
    assert.equal(first.status, 'stopped');
    const admin = broker.kafka('admin').admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: 'shutdown-group', topics: [topic] });
      assert.equal(offsets!.partitions[0]!.offset, '10');
      const described = await admin.describeGroups(['shutdown-group']);
      assert.equal(described.groups[0]!.members.length, 0, 'left the group');
    } finally {
      await admin.disconnect();
    }
    const more = randomUUID();
    await publish(topic, 'k', more, 'x');
    const second = make();
    const registry = new Registry();
    registerConsumerLagMetric(registry, 'shutdown-group', second);
    await second.start();
    try {
      await waitFor(() => seen.length === 11, { timeoutMs: 20_000, description: 'the new record' });
      assert.equal(seen[10], more);
      await waitFor(async () => (await second.lag())[0]?.lag === 0, { description: 'lag 0 after commit' });
      assert.match(
        await registry.metrics(),
        /^rebound_kafka_consumer_lag\{group="shutdown-group",topic="shutdown.events",partition="0"\} 0$/m,
      );
    } finally {
      await second.close();
    }
    assert.equal(seen.length, 11, 'nothing redelivered');
  });
  it('keeps consuming (and /metrics readable, without the lag) while the broker is closed and restarted', async () => {
    const topic = 'restart.events';
    const seen: string[] = [];
    const delivered: string[] = [];
    const consumer = createIdempotentConsumer({
      kafka: broker.kafka('restart'),
      db,
      producer,
      groupId: 'restart-group',
      topic,
      retryDelaysMs: [],
      ...fast,
      onOutcome: (event) => delivered.push(event.id),
      handler: async (event) => {
        seen.push(event.id);
      },
    });
    await consumer.start();
    try {
      const before = randomUUID();
      await publish(topic, 'k', before, 'x');
      await waitFor(() => seen.length === 1, { timeoutMs: 20_000, description: 'first record' });
      // Its offset is committed at the end of the batch, just after the handler: wait for the commit to reach the
      // broker, so that what the restart may not redeliver is a record whose offset the broker holds.
      const admin = broker.kafka('restart-admin').admin();
      await admin.connect();
      try {
        await waitFor(
          async () => {
            const [offsets] = await admin.fetchOffsets({ groupId: 'restart-group', topics: [topic] });
            return offsets?.partitions[0]?.offset === '1';
          },
          { timeoutMs: 20_000, description: "the first record's offset committed" },
        );
      } finally {
        await admin.disconnect();
      }
      const registry = new Registry();
      registerConsumerLagMetric(registry, 'restart-group', consumer, 500);
      await broker.stop();
      // The broker is down: scrapes still answer, without the lag, and count the failed reads (a counter is
      // read beside the gauge, so a scrape shows the failures of the scrapes before it).
      let first: string;
      let second: string;
      try {
        first = await registry.metrics();
        second = await registry.metrics();
      } finally {
        await broker.restart();
      }
      assert.doesNotMatch(first, /^rebound_kafka_consumer_lag\{/m);
      assert.doesNotMatch(second, /^rebound_kafka_consumer_lag\{/m);
      assert.match(second, /^rebound_kafka_consumer_lag_errors_total\{group="restart-group"\} 1$/m);
      const afterRestart = randomUUID();
      await waitFor(
        async () => {
          await publish(topic, 'k', afterRestart, 'x').catch(() => {});
          return seen.includes(afterRestart);
        },
        { timeoutMs: 60_000, intervalMs: 1_000, description: 'record published after the restart' },
      );
      assert.equal(
        delivered.filter((id) => id === before).length,
        1,
        'the committed record is not redelivered',
      );
      assert.equal(seen.filter((id) => id === afterRestart).length, 1);
      assert.equal(consumer.status, 'running');
      await waitFor(
        async () => /^rebound_kafka_consumer_lag\{group="restart-group"/m.test(await registry.metrics()),
        {
          description: 'the lag exported again once the broker is back',
        },
      );
    } finally {
      await consumer.close();
    }
  });
});

describe('dlq CLI', () => {
  it('prints usage and exits 2 without a topic', async () => {
    const run = promisify(execFile);
    const cli = new URL('../src/dlq.cli.ts', import.meta.url).pathname;
    const result = await run(process.execPath, ['--conditions=development', cli, 'list']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal((result as { code: number }).code, 2);
    assert.match((result as { stderr: string }).stderr, /--topic is required/);
  });
});
