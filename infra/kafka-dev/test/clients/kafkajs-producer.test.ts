import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CompressionTypes, type Kafka } from 'kafkajs';
import type { RunningBroker } from '../../src/index.ts';
import { client, testBroker, uniqueName } from '../support/broker.ts';

/** Reads every record of a topic with a throwaway consumer group. */
async function readAll(kafka: Kafka, topic: string, expected: number) {
  const consumer = kafka.consumer({
    groupId: uniqueName('reader'),
    maxWaitTimeInMs: 200,
    sessionTimeout: 6000,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const out: {
    partition: number;
    offset: string;
    key: string | null;
    value: string | null;
    headers: Record<string, string>;
  }[] = [];
  await new Promise<void>((resolve) => {
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        out.push({
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers,
        });
        if (out.length >= expected) resolve();
      },
    });
  });
  await consumer.disconnect();
  return out;
}

describe('kafkajs producer', { timeout: 60_000 }, () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  before(async () => {
    broker = await testBroker({ defaultPartitions: 3 });
    kafka = client(broker.bootstrap);
  });
  after(() => broker.close());

  it('acks -1, 1 and 0 all land, and a request after acks=0 still gets its own reply', async () => {
    const topic = uniqueName('acks');
    const producer = kafka.producer();
    await producer.connect();
    const [all] = await producer.send({ topic, acks: -1, messages: [{ value: 'all', partition: 0 }] });
    const [one] = await producer.send({ topic, acks: 1, messages: [{ value: 'one', partition: 0 }] });
    const none = await producer.send({ topic, acks: 0, messages: [{ value: 'none', partition: 0 }] });
    const [next] = await producer.send({ topic, acks: 1, messages: [{ value: 'next', partition: 0 }] });
    assert.equal(all?.baseOffset, '0');
    assert.equal(one?.baseOffset, '1');
    assert.deepEqual(none, []);
    assert.equal(next?.baseOffset, '3');
    await producer.disconnect();
    const values = (await readAll(kafka, topic, 4)).map((r) => r.value);
    assert.deepEqual(values, ['all', 'one', 'none', 'next']);
  });

  it('passes gzip batches, headers, null keys/values (tombstones) through untouched', async () => {
    const topic = uniqueName('gzip');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      compression: CompressionTypes.GZIP,
      messages: [
        { key: 'k1', value: 'v'.repeat(1000), headers: { trace: 'abc', n: '1' }, partition: 1 },
        { key: null, value: 'no key', partition: 1 },
        { key: 'k3', value: null, partition: 1 },
      ],
    });
    await producer.disconnect();
    const records = await readAll(kafka, topic, 3);
    assert.deepEqual(records[0]?.headers, { trace: 'abc', n: '1' });
    assert.equal(records[0]?.value, 'v'.repeat(1000));
    assert.equal(records[1]?.key, null);
    assert.equal(records[2]?.value, null);
  });

  it('sends equal keys to equal partitions and spreads distinct keys', async () => {
    const topic = uniqueName('keys');
    const producer = kafka.producer();
    await producer.connect();
    const messages = Array.from({ length: 60 }, (_, i) => ({ key: `key-${i % 12}`, value: String(i) }));
    await producer.send({ topic, messages });
    await producer.disconnect();
    const records = await readAll(kafka, topic, 60);
    const partitionOf = new Map<string, Set<number>>();
    for (const r of records) partitionOf.set(r.key!, (partitionOf.get(r.key!) ?? new Set()).add(r.partition));
    assert.ok([...partitionOf.values()].every((set) => set.size === 1));
    assert.ok(new Set(records.map((r) => r.partition)).size > 1);
  });

  it('idempotent producer: a retried batch gets its original offset, concurrent producers keep offsets dense', async () => {
    const topic = uniqueName('idem');
    const producers = [
      kafka.producer({ idempotent: true, maxInFlightRequests: 1 }),
      kafka.producer({ idempotent: true, maxInFlightRequests: 1 }),
    ];
    await Promise.all(producers.map((p) => p.connect()));
    await Promise.all(
      producers.map(async (p, n) => {
        for (let i = 0; i < 20; i++)
          await p.send({ topic, acks: -1, messages: [{ value: `${n}-${i}`, partition: 0 }] });
      }),
    );
    await Promise.all(producers.map((p) => p.disconnect()));
    const records = await readAll(kafka, topic, 40);
    assert.deepEqual(
      records.map((r) => Number(r.offset)),
      Array.from({ length: 40 }, (_, i) => i),
    );
    // replay the same batch bytes on the partition log: the duplicate is detected
    const log = broker.context.topics.topics.get(topic)!.partitions[0]!;
    const [last] = log.read(39, 1);
    const duplicate = log.append(Buffer.from(last!), Date.now());
    assert.deepEqual(duplicate, { errorCode: 0, baseOffset: 39, appended: false });
    // a sequence gap is refused
    const gap = Buffer.from(last!);
    gap.writeInt32BE(gap.readInt32BE(53) + 5, 53);
    assert.equal(log.append(gap, Date.now()).errorCode, 45);
    assert.equal(log.highWatermark, 40);
  });

  it('rejects a batch above max.message.bytes and keeps serving', async () => {
    const topic = uniqueName('big');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, configEntries: [{ name: 'max.message.bytes', value: '2000' }] }],
    });
    await admin.disconnect();
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    await assert.rejects(
      producer.send({ topic, messages: [{ value: 'x'.repeat(5000) }] }),
      /larger than the max message size/,
    );
    const [ok] = await producer.send({ topic, messages: [{ value: 'small' }] });
    assert.equal(ok?.errorCode, 0);
    await producer.disconnect();
  });

  it('auto-creates on Metadata only when allowed', async () => {
    const strict = await testBroker({ autoCreateTopics: false });
    const producer = client(strict.bootstrap).producer({ retry: { retries: 1, initialRetryTime: 10 } });
    await producer.connect();
    await assert.rejects(
      producer.send({ topic: uniqueName('nope'), messages: [{ value: 'x' }] }),
      /does not host|UNKNOWN_TOPIC/i,
    );
    await producer.disconnect();
    await strict.close();
  });

  it('answers requests on one connection in order even when a long-poll fetch is parked', async () => {
    const topic = uniqueName('order');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await admin.disconnect();
    const socket = new Socket();
    await new Promise<void>((resolve) => socket.connect(broker.port, '127.0.0.1', resolve));
    const frame = (apiKey: number, version: number, correlationId: number, body: Buffer) => {
      const head = Buffer.alloc(14);
      head.writeInt32BE(10 + body.length, 0);
      head.writeInt16BE(apiKey, 4);
      head.writeInt16BE(version, 6);
      head.writeInt32BE(correlationId, 8);
      head.writeInt16BE(0, 12);
      return Buffer.concat([head, body]);
    };
    const name = Buffer.from(topic);
    const fetchBody = Buffer.alloc(4 + 4 + 4 + 4 + 1 + 4 + 2 + name.length + 4 + 4 + 8 + 4);
    let o = 0;
    o = fetchBody.writeInt32BE(-1, o);
    o = fetchBody.writeInt32BE(800, o); // max wait
    o = fetchBody.writeInt32BE(1, o);
    o = fetchBody.writeInt32BE(1 << 20, o);
    o = fetchBody.writeInt8(0, o);
    o = fetchBody.writeInt32BE(1, o);
    o = fetchBody.writeInt16BE(name.length, o);
    o += name.copy(fetchBody, o);
    o = fetchBody.writeInt32BE(1, o);
    o = fetchBody.writeInt32BE(0, o);
    o = fetchBody.writeBigInt64BE(0n, o);
    fetchBody.writeInt32BE(1 << 20, o);
    const order: number[] = [];
    socket.on('data', (chunk) => {
      for (let at = 0; at < chunk.length; at += 4 + chunk.readInt32BE(at))
        order.push(chunk.readInt32BE(at + 4));
    });
    socket.write(Buffer.concat([frame(1, 4, 1, fetchBody), frame(18, 0, 2, Buffer.alloc(0))]));
    await new Promise<void>((resolve) => {
      const check = () => (order.length >= 2 ? resolve() : setImmediate(check));
      socket.once('data', () => setImmediate(check));
    });
    assert.deepEqual(order, [1, 2]);
    socket.destroy();
  });
});
