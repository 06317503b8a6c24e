import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import { client, FAST_CONSUMER, testBroker } from '../support/broker.ts';

describe('retention seen by a client', { timeout: 60_000 }, () => {
  it('moves the log start; a consumer behind it gets OFFSET_OUT_OF_RANGE, resets and carries on', async () => {
    const broker = await testBroker({ retentionCheckIntervalMs: 50 });
    const kafka = client(broker.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
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
    for (let i = 0; i < 40; i++)
      await producer.send({ topic, messages: [{ value: `${i}`.padEnd(300, '.') }] });
    await waitFor(async () => Number((await admin.fetchTopicOffsets(topic))[0]?.low) > 0, {
      description: 'log start moved',
    });
    const [{ low, high } = { low: '0', high: '0' }] = await admin.fetchTopicOffsets(topic);
    assert.equal(high, '40');
    assert.ok(Number(low) >= 20, `oldest records deleted (log start ${low})`);

    const consumer = kafka.consumer({ groupId, ...FAST_CONSUMER });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const offsets: number[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void offsets.push(Number(message.offset)) });
    await waitFor(() => offsets.at(-1) === 39, { description: 'consumer caught up after the reset' });
    assert.ok(offsets[0]! >= Number(low), `resumed at the log start, not below it (${offsets[0]})`);
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
    await broker.close();
  });
});
