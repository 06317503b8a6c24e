import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import { client, FAST_CONSUMER, testBroker } from '../support/broker.ts';

describe('retention seen by a client', { timeout: 60_000 }, () => {
  it('moves the log start; a consumer behind it gets OFFSET_OUT_OF_RANGE, resets and carries on', async (t) => {
    // Closed newest first, even when an assertion fails, so a failure never leaves the runner waiting on sockets.
    const closers: (() => Promise<void>)[] = [];
    t.after(async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    });
    const broker = await testBroker({ retentionCheckIntervalMs: 50 });
    closers.push(() => broker.close());
    const kafka = client(broker.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    const topic = 'short-lived';
    await admin.createTopics({
      topics: [
        {
          topic,
          configEntries: [
            { name: 'segment.bytes', value: '2000' },
            { name: 'retention.bytes', value: '4000' },
          ],
        },
      ],
    });
    const groupId = 'behind';
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }] });
    const producer = kafka.producer();
    await producer.connect();
    closers.push(() => producer.disconnect());
    for (let i = 0; i < 40; i++)
      await producer.send({ topic, messages: [{ value: `${i}`.padEnd(300, '.') }] });
    // Retention deletes whole segments on its own schedule: wait until it has caught up with the size bound.
    await waitFor(async () => Number((await admin.fetchTopicOffsets(topic))[0]?.low) >= 20, {
      description: 'log start moved past the oldest records',
    });
    const [{ low, high } = { low: '0', high: '0' }] = await admin.fetchTopicOffsets(topic);
    assert.equal(high, '40');
    assert.ok(Number(low) >= 20, `oldest records deleted (log start ${low})`);

    const consumer = kafka.consumer({ groupId, ...FAST_CONSUMER });
    await consumer.connect();
    closers.push(() => consumer.disconnect());
    await consumer.subscribe({ topic, fromBeginning: true });
    const offsets: number[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void offsets.push(Number(message.offset)) });
    await waitFor(() => offsets.at(-1) === 39, { description: 'consumer caught up after the reset' });
    assert.ok(offsets[0]! >= Number(low), `resumed at the log start, not below it (${offsets[0]})`);
  });
});
