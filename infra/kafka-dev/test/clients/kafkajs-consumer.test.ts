import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import type { Kafka } from 'kafkajs';
import type { RunningBroker } from '../../src/index.ts';
import { client, FAST_CONSUMER, testBroker, uniqueName } from '../support/broker.ts';

describe('kafkajs consumer', { timeout: 90_000 }, () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  before(async () => {
    broker = await testBroker();
    kafka = client(broker.bootstrap);
  });
  after(() => broker.close());

  async function produce(topic: string, values: string[], partition = 0) {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: values.map((value) => ({ value, partition })) });
    await producer.disconnect();
  }

  it('fromBeginning true reads history, false reads only new records', async () => {
    const topic = uniqueName('from');
    await produce(topic, ['old-1', 'old-2']);
    const seen = { early: [] as string[], late: [] as string[] };
    const early = kafka.consumer({ groupId: uniqueName('g'), ...FAST_CONSUMER });
    const late = kafka.consumer({ groupId: uniqueName('g'), ...FAST_CONSUMER });
    for (const [consumer, fromBeginning, bucket] of [
      [early, true, seen.early],
      [late, false, seen.late],
    ] as const) {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning });
      let joined = false;
      consumer.on(consumer.events.GROUP_JOIN, () => {
        joined = true;
      });
      await consumer.run({ eachMessage: async ({ message }) => void bucket.push(message.value!.toString()) });
      await waitFor(() => joined, { description: 'group join' });
    }
    await waitFor(() => seen.early.length === 2, { description: 'history' });
    // the late consumer has resolved its position (latest) once it has fetched at least once
    await new Promise<void>((resolve) => {
      const off = late.on(late.events.FETCH, () => {
        off();
        resolve();
      });
    });
    await produce(topic, ['new-1']);
    await waitFor(() => seen.late.length === 1 && seen.early.length === 3, { description: 'new record' });
    assert.deepEqual(seen.late, ['new-1']);
    assert.deepEqual(seen.early, ['old-1', 'old-2', 'new-1']);
    await Promise.all([early.disconnect(), late.disconnect()]);
  });

  it('seek moves the position; pause and resume stop and restart delivery', async () => {
    const topic = uniqueName('seek');
    await produce(
      topic,
      Array.from({ length: 10 }, (_, i) => `m${i}`),
    );
    const consumer = kafka.consumer({ groupId: uniqueName('g'), ...FAST_CONSUMER });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    let sought = false;
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value!.toString());
        if (!sought && message.offset === '2') {
          sought = true;
          consumer.seek({ topic, partition: 0, offset: '7' });
        }
      },
    });
    await waitFor(() => seen.at(-1) === 'm9', { description: 'seek target reached' });
    assert.deepEqual(seen.slice(0, 3), ['m0', 'm1', 'm2']);
    assert.deepEqual(seen.slice(-3), ['m7', 'm8', 'm9']);
    consumer.pause([{ topic }]);
    const count = seen.length;
    await produce(topic, ['while-paused']);
    // two fetch rounds while paused deliver nothing
    for (let i = 0; i < 2; i++)
      await new Promise<void>((resolve) => {
        const off = consumer.on(consumer.events.FETCH, () => {
          off();
          resolve();
        });
      });
    assert.equal(seen.length, count);
    consumer.resume([{ topic }]);
    await waitFor(() => seen.at(-1) === 'while-paused', { description: 'resumed delivery' });
    await consumer.disconnect();
  });

  it('eachBatch with resolveOffset, heartbeat and manual commits; commits survive a new consumer', async () => {
    const topic = uniqueName('batch');
    await produce(
      topic,
      Array.from({ length: 6 }, (_, i) => `b${i}`),
    );
    const groupId = uniqueName('g');
    const first = kafka.consumer({ groupId, ...FAST_CONSUMER });
    await first.connect();
    await first.subscribe({ topic, fromBeginning: true });
    const got: string[] = [];
    await first.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        for (const message of batch.messages) {
          got.push(message.value!.toString());
          resolveOffset(message.offset);
          await heartbeat();
          if (message.offset === '3') {
            await first.commitOffsets([{ topic, partition: 0, offset: '4' }]);
          }
        }
      },
    });
    await waitFor(() => got.length === 6, { description: 'batch delivery' });
    await first.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    assert.equal(offsets?.partitions[0]?.offset, '4');
    await admin.disconnect();
    const second = kafka.consumer({ groupId, ...FAST_CONSUMER });
    await second.connect();
    await second.subscribe({ topic, fromBeginning: true });
    const again: string[] = [];
    await second.run({ eachMessage: async ({ message }) => void again.push(message.value!.toString()) });
    await waitFor(() => again.length === 2, { description: 'resume from commit' });
    assert.deepEqual(again, ['b4', 'b5']);
    await second.disconnect();
  });

  it('consumes a record larger than maxBytesPerPartition (whole batch, KIP-74)', async () => {
    const topic = uniqueName('large');
    await produce(topic, ['x'.repeat(50_000), 'after']);
    const consumer = kafka.consumer({
      groupId: uniqueName('g'),
      ...FAST_CONSUMER,
      maxBytesPerPartition: 1024,
      maxBytes: 2048,
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const sizes: number[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void sizes.push(message.value!.length) });
    await waitFor(() => sizes.length === 2, { description: 'large record' });
    assert.deepEqual(sizes, [50_000, 5]);
    await consumer.disconnect();
  });
});
