import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import kafkajs, { type Admin } from 'kafkajs';
import type { RunningBroker } from '../../src/index.ts';
import { client, testBroker, uniqueName } from '../support/broker.ts';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ConfigResourceTypes, ResourcePatternTypes } =
  kafkajs;

describe('kafkajs admin', { timeout: 60_000 }, () => {
  let broker: RunningBroker;
  let admin: Admin;
  before(async () => {
    broker = await testBroker();
    admin = client(broker.bootstrap).admin();
    await admin.connect();
  });
  after(async () => {
    await admin.disconnect();
    await broker.close();
  });

  it('creates, lists, describes and deletes topics', async () => {
    const topic = uniqueName('admin');
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] }), true);
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] }), false);
    assert.ok((await admin.listTopics()).includes(topic));
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(meta.topics[0]?.partitions.length, 4);
    const cluster = await admin.describeCluster();
    assert.equal(cluster.brokers.length, 1);
    assert.equal(cluster.controller, 1);
    await admin.deleteTopics({ topics: [topic] });
    assert.ok(!(await admin.listTopics()).includes(topic));
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] }), true);
  });

  it('is as strict as Kafka: replication factor, names, configs', async () => {
    await assert.rejects(
      admin.createTopics({ topics: [{ topic: uniqueName('rf'), replicationFactor: 3 }] }),
      (e: Error & { errors?: { type: string }[] }) => e.errors?.[0]?.type === 'INVALID_REPLICATION_FACTOR',
    );
    await assert.rejects(
      admin.createTopics({ topics: [{ topic: 'bad name!' }] }),
      (e: Error & { errors?: { type: string }[] }) => e.errors?.[0]?.type === 'INVALID_TOPIC_EXCEPTION',
    );
    await assert.rejects(
      admin.createTopics({
        topics: [{ topic: uniqueName('cfg'), configEntries: [{ name: 'no.such', value: '1' }] }],
      }),
      (e: Error & { errors?: { type: string }[] }) => e.errors?.[0]?.type === 'INVALID_CONFIG',
    );
  });

  it('accepts every topic config Kafka 3.9 knows and rejects the values Kafka rejects', async () => {
    const valid: Record<string, string> = {
      'segment.index.bytes': '1048576',
      'message.timestamp.difference.max.ms': '60000',
      'segment.jitter.ms': '1000',
      'message.downconversion.enable': 'false',
      'leader.replication.throttled.replicas': '0:1,1:1',
      'follower.replication.throttled.replicas': '*',
      'message.format.version': '3.0-IV1',
      'cleanup.policy': 'compact,delete',
      'min.cleanable.dirty.ratio': '0.25',
      'compression.type': 'zstd',
      'retention.ms': '-1',
      preallocate: 'TRUE',
    };
    const topic = uniqueName('all-configs');
    const configEntries = Object.entries(valid).map(([name, value]) => ({ name, value }));
    assert.equal(await admin.createTopics({ topics: [{ topic, configEntries }] }), true);
    const invalid: [string, string][] = [
      ['cleanup.policy', 'bogus'],
      ['compression.type', 'brotli'],
      ['segment.index.bytes', '3'],
      ['segment.bytes', 'many'],
      ['retention.ms', '-2'],
      ['min.insync.replicas', '0'],
      ['min.cleanable.dirty.ratio', '1.5'],
      ['message.timestamp.type', 'createtime'],
      ['unclean.leader.election.enable', 'yes'],
      ['leader.replication.throttled.replicas', 'all'],
      ['max.message.bytes', '99999999999'],
    ];
    for (const [name, value] of invalid) {
      await assert.rejects(
        admin.createTopics({ topics: [{ topic: uniqueName('bad-cfg'), configEntries: [{ name, value }] }] }),
        (e: Error & { errors?: { type: string }[] }) => e.errors?.[0]?.type === 'INVALID_CONFIG',
        `${name}=${value}`,
      );
    }
  });

  it('fetches topic offsets, offsets by timestamp, and group offsets; resets and sets them', async () => {
    const topic = uniqueName('offsets');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const producer = client(broker.bootstrap).producer();
    await producer.connect();
    const before = Date.now() - 1;
    await producer.send({
      topic,
      messages: [
        { value: 'a', partition: 0 },
        { value: 'b', partition: 0 },
        { value: 'c', partition: 1 },
      ],
    });
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets(topic);
    assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]).sort(), [
      [0, '0', '2'],
      [1, '0', '1'],
    ]);
    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, before);
    assert.deepEqual(byTime.map((o) => o.offset).sort(), ['0', '0']);
    const future = await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() + 60_000);
    assert.deepEqual(future.map((o) => Number(o.offset)).sort(), [1, 2]);

    const groupId = uniqueName('admin-group');
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }] });
    const fetched = await admin.fetchOffsets({ groupId, topics: [topic] });
    assert.deepEqual(fetched[0]?.partitions.map((p) => [p.partition, p.offset]).sort(), [
      [0, '1'],
      [1, '-1'],
    ]);
    await admin.resetOffsets({ groupId, topic, earliest: true });
    const reset = await admin.fetchOffsets({ groupId, topics: [topic] });
    assert.ok(reset[0]?.partitions.every((p) => p.offset === '-2'));
    const groups = await admin.listGroups();
    assert.ok(groups.groups.some((g) => g.groupId === groupId));
    const described = await admin.describeGroups([groupId, 'never-seen']);
    assert.deepEqual(
      described.groups.map((g) => g.state),
      ['Empty', 'Dead'],
    );
    await admin.deleteGroups([groupId]);
    assert.ok(!(await admin.listGroups()).groups.some((g) => g.groupId === groupId));
  });

  it('describes and alters topic configs (DescribeConfigs v2, AlterConfigs v1), kept across the alter', async () => {
    const topic = uniqueName('configs');
    await admin.createTopics({
      topics: [{ topic, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
    });
    const describe = async () => {
      const { resources } = await admin.describeConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
        includeSynonyms: true,
      });
      return new Map(resources[0]!.configEntries.map((e) => [e.configName, e]));
    };
    const before = await describe();
    assert.equal(before.get('retention.ms')?.configValue, '3600000');
    assert.equal(before.get('retention.ms')?.isDefault, false);
    assert.equal(before.get('cleanup.policy')?.configValue, 'delete');
    assert.equal(before.get('cleanup.policy')?.isDefault, true);
    assert.equal(before.get('segment.index.bytes')?.configValue, '10485760');
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: [{ name: 'max.message.bytes', value: '2048' }],
        },
      ],
    });
    const after = await describe();
    assert.equal(after.get('max.message.bytes')?.configValue, '2048');
    assert.equal(
      after.get('retention.ms')?.isDefault,
      true,
      'AlterConfigs replaces the whole set, as Kafka does',
    );
    await assert.rejects(
      admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic,
            configEntries: [{ name: 'cleanup.policy', value: 'bogus' }],
          },
        ],
      }),
      (e: Error & { type?: string }) =>
        /INVALID_CONFIG|Configuration is invalid/i.test(`${e.type} ${e.message}`),
    );
    const producer = client(broker.bootstrap).producer();
    await producer.connect();
    await assert.rejects(
      producer.send({ topic, acks: -1, messages: [{ value: 'x'.repeat(4096) }] }),
      /larger than|MESSAGE_TOO_LARGE/i,
      'the altered max.message.bytes is enforced',
    );
    await producer.disconnect();
    const { resources } = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.BROKER, name: '1' }],
      includeSynonyms: false,
    });
    assert.ok(resources[0]!.configEntries.some((e) => e.configName === 'num.partitions'));
  });

  it('adds partitions (CreatePartitions v1) and deletes records (DeleteRecords v1)', async () => {
    const topic = uniqueName('grow');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] });
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(metadata.topics[0]!.partitions.length, 3);
    await assert.rejects(
      admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] }),
      /INVALID_PARTITIONS|partitions is invalid/i,
    );
    const producer = client(broker.bootstrap).producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 5 }, (_, i) => ({ value: `m${i}`, partition: 2 })),
    });
    await producer.disconnect();
    // a fresh admin: this one cached the topic's metadata from before it grew (kafkajs refreshes after 5 min)
    const grown = client(broker.bootstrap).admin();
    await grown.connect();
    await grown.fetchTopicOffsets(topic);
    await grown.deleteTopicRecords({ topic, partitions: [{ partition: 2, offset: '3' }] });
    const offsets = await grown.fetchTopicOffsets(topic);
    const p2 = offsets.find((o) => o.partition === 2)!;
    assert.deepEqual([p2.low, p2.high], ['3', '5']);
    await assert.rejects(
      grown.deleteTopicRecords({ topic, partitions: [{ partition: 2, offset: '9' }] }),
      /Error while deleting records/,
    );
    await grown.disconnect();
  });

  it('does not advertise APIs it does not implement', async () => {
    await assert.rejects(
      admin.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      }),
      (e: Error) => e.name === 'KafkaJSServerDoesNotSupportApiKey',
    );
  });
});
