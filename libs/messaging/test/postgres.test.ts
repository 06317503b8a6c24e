import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { type Database, openPostgres } from '@rebound/storage';
import { type PostgresServer, skipUnlessPostgres, startPostgres, waitFor } from '@rebound/testing';
import {
  createIdempotentConsumer,
  createOutboxRelay,
  createProducer,
  type MessageProducer,
  OUTBOX_SQL,
  PROCESSED_MESSAGES_SQL,
  writeOutbox,
} from '../src/index.ts';
import { readTopic, startTestBroker, type TestBroker } from './support/broker.ts';

describe('messaging on PostgreSQL (dev broker)', { skip: skipUnlessPostgres() }, () => {
  let server: PostgresServer;
  let broker: TestBroker;
  let db: Database;
  let producer: MessageProducer;
  before(async () => {
    server = await startPostgres();
    broker = await startTestBroker();
    db = await openPostgres({ url: server.url, schema: 'orders' });
    await db.exec(OUTBOX_SQL);
    producer = createProducer(broker.kafka('pg-producer'));
  });
  after(async () => {
    await producer?.close();
    await db?.close();
    await broker?.dispose();
    await server?.stop();
  });

  it('runs two relays side by side without duplicates and keeps per-key order', async () => {
    const topic = 'two-relays.events';
    const second = await openPostgres({ url: server.url, schema: 'orders' });
    const secondProducer = createProducer(broker.kafka('pg-producer-2'));
    const relays = [
      createOutboxRelay({ db, producer, batchSize: 10, pollIntervalMs: 5 }),
      createOutboxRelay({ db: second, producer: secondProducer, batchSize: 10, pollIntervalMs: 5 }),
    ];
    for (const relay of relays) relay.start();
    try {
      const keys = ['o-1', 'o-2', 'o-3', 'o-4', 'o-5'];
      const writes = keys.map(async (key) => {
        for (let n = 0; n < 20; n++)
          await db.transaction((tx) =>
            writeOutbox(tx, { id: randomUUID(), topic, key, type: 'T', payload: JSON.stringify({ key, n }) }),
          );
      });
      await Promise.all(writes);
      await waitFor(async () => (await relays[0]!.backlog()).count === 0, {
        timeoutMs: 30_000,
        description: 'backlog drained',
      });
      const records = await readTopic(broker.kafka('reader'), topic, 100);
      assert.equal(records.length, 100);
      for (const key of keys) {
        const seq = records.filter((r) => r.key === key).map((r) => (JSON.parse(r.value) as { n: number }).n);
        assert.deepEqual(seq, [...Array(20).keys()], `order of ${key}`);
      }
      assert.ok(relays.every((r) => r.stats.failures === 0));
    } finally {
      for (const relay of relays) await relay.stop();
      await secondProducer.close();
      await second.close();
    }
  });

  it('redelivers what a SIGKILLed consumer had not committed and applies each event once', async () => {
    const topic = 'killed.events';
    const notifications = await openPostgres({ url: server.url, schema: 'notifications' });
    await notifications.exec(PROCESSED_MESSAGES_SQL);
    await notifications.exec('CREATE TABLE IF NOT EXISTS applied (event_id text NOT NULL)');
    const ids = Array.from({ length: 30 }, () => randomUUID());
    await producer.send([
      { topic, messages: ids.map((id, n) => ({ key: `o-${n % 3}`, value: String(n), id })) },
    ]);
    const spawnChild = (killAfter: number) => {
      const child = spawn(
        process.execPath,
        [
          '--conditions=development',
          new URL('./fixtures/consumer-child.ts', import.meta.url).pathname,
          broker.bootstrap,
          server.url,
          topic,
          String(killAfter),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      return { child, output: () => out };
    };
    let second: ChildProcess | undefined;
    try {
      const first = spawnChild(12);
      const [code, signal] = (await once(first.child, 'exit')) as [number | null, string | null];
      assert.equal(signal, 'SIGKILL', `exited with ${code}`);
      const appliedBefore = (
        await notifications.query<{ n: number }>('SELECT count(*)::int AS n FROM applied')
      ).rows[0]!.n;
      assert.equal(appliedBefore, 11, 'the 12th died with its transaction');

      const run = spawnChild(0);
      second = run.child;
      await waitFor(
        async () =>
          (await notifications.query<{ n: number }>('SELECT count(DISTINCT event_id)::int AS n FROM applied'))
            .rows[0]!.n === 30,
        { timeoutMs: 30_000, description: 'all 30 applied' },
      );
      const { rows } = await notifications.query<{ n: number; d: number }>(
        'SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS d FROM applied',
      );
      assert.deepEqual(rows[0], { n: 30, d: 30 }, 'every event applied exactly once');
      await waitFor(
        () =>
          run
            .output()
            .split('\n')
            .filter((l) => l.includes('"outcome"')).length >= 30,
        {
          description: 'outcomes reported',
        },
      );
      const outcomes = run
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { outcome: string });
      assert.ok(
        outcomes.some((o) => o.outcome === 'duplicate'),
        'records applied before the kill were redelivered and skipped',
      );
      second.kill('SIGTERM');
      const [exitCode] = (await once(second, 'exit')) as [number | null];
      assert.equal(exitCode, 0, 'graceful shutdown');
    } finally {
      second?.kill('SIGKILL');
      await notifications.close();
    }
  });

  it('handles at most maxInFlight partitions at once, and hands the handler the trace context', async () => {
    const topic = 'inflight.events';
    const notifications = await openPostgres({ url: server.url, schema: 'inflight' });
    await notifications.exec(PROCESSED_MESSAGES_SQL);
    let active = 0;
    let maxActive = 0;
    let draining = false;
    const gates: (() => void)[] = [];
    const traces: (string | undefined)[] = [];
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const admin = broker.kafka('admin').admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 4 }] });
    await admin.disconnect();
    // Published before the member joins, so its first fetch returns all four partitions at once: kafkajs hands
    // the batches of one fetch response to `partitionsConsumedConcurrently` workers.
    await producer.send([
      {
        topic,
        messages: [0, 1, 2, 3].map((partition) => ({
          key: `k${partition}`,
          value: 'x',
          id: randomUUID(),
          partition,
          traceparent,
        })),
      },
    ]);
    const consumer = createIdempotentConsumer({
      kafka: broker.kafka('inflight'),
      db: notifications,
      producer,
      groupId: 'inflight-group',
      topic,
      partitions: 4,
      maxInFlight: 2,
      retryDelaysMs: [],
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
      maxWaitTimeInMs: 200,
      handler: async (event) => {
        traces.push(event.traceparent);
        active++;
        maxActive = Math.max(maxActive, active);
        if (!draining) await new Promise<void>((resolve) => gates.push(resolve));
        active--;
      },
    });
    await consumer.start();
    try {
      for (let released = 0; released < 4; released++) {
        await waitFor(() => gates.length > 0 && (active === 2 || released >= 3), {
          timeoutMs: 20_000,
          description: `two handlers busy (${released} released)`,
        });
        gates.shift()!();
      }
      await waitFor(() => traces.length === 4 && active === 0, {
        timeoutMs: 20_000,
        description: 'all handled',
      });
      assert.equal(maxActive, 2);
      assert.deepEqual(traces, Array(4).fill(traceparent));
    } finally {
      draining = true;
      for (const gate of gates) gate();
      await consumer.close();
      await notifications.close();
    }
  });
});
