import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { client, tempDir, testBroker } from '../support/broker.ts';

describe('DeleteRecords', { timeout: 60_000 }, () => {
  it('moves the log start, which survives a restart', async () => {
    using dir = tempDir();
    let broker = await testBroker({ dataDir: dir.path });
    after(() => broker.close());
    let kafka = client(broker.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'trimmed', numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'trimmed', messages: [{ value: `m${i}` }] });
    await producer.disconnect();
    await admin.fetchTopicOffsets('trimmed'); // kafkajs finds the partition leader from its metadata cache
    await admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '3' }] });
    await admin.disconnect();
    await broker.close();

    broker = await testBroker({ dataDir: dir.path });
    kafka = client(broker.bootstrap);
    const again = kafka.admin();
    await again.connect();
    const [offsets] = await again.fetchTopicOffsets('trimmed');
    await again.disconnect();
    assert.deepEqual([offsets?.low, offsets?.high], ['3', '5']);
    const log = broker.context.topics.topics.get('trimmed')!.partitions[0]!;
    assert.equal(log.logStartOffset, 3);
  });
});
