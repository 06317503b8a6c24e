import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import { client, FAST_CONSUMER, tempDir, testBroker } from './support/broker.ts';

describe('clean restart of an in-process broker', { timeout: 90_000 }, () => {
  it('keeps topics, records, committed offsets, the group generation and its members', async () => {
    using dir = tempDir();
    let broker = await testBroker({ dataDir: dir.path });
    const port = broker.port;
    const kafka = client(broker.bootstrap);
    const topic = 'persisted';
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'before-1' }, { value: 'before-2' }] });
    const consumer = kafka.consumer({ groupId: 'keeper', ...FAST_CONSUMER });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await waitFor(() => seen.length === 2, { description: 'first records' });
    await waitFor(() => broker.context.groups.committed('keeper').get(topic)?.get(0)?.offset === 2, {
      description: 'commit',
    });
    const before = broker.context.groups.groups.get('keeper')!;
    const generation = before.generationId;
    const members = [...before.members.keys()];

    await broker.close();
    broker = await testBroker({ dataDir: dir.path, port });
    const after = broker.context.groups.groups.get('keeper')!;
    assert.equal(after.state, 'Stable');
    assert.equal(after.generationId, generation);
    assert.deepEqual([...after.members.keys()], members);
    assert.equal(broker.context.groups.committed('keeper').get(topic)?.get(0)?.offset, 2);
    assert.equal(broker.context.topics.topics.get(topic)?.partitions[0]?.highWatermark, 2);

    // the same clients carry on: the idempotent producer's sequence continues, nothing is redelivered
    await producer.send({ topic, messages: [{ value: 'after-1' }] });
    await waitFor(() => seen.length >= 3, { timeoutMs: 30_000, description: 'record after restart' });
    assert.deepEqual(seen, ['before-1', 'before-2', 'after-1']);
    await consumer.disconnect();
    await producer.disconnect();
    await broker.close();
  });
});
