import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { API_LIST } from '../../src/apis/index.ts';
import type { RunningBroker } from '../../src/index.ts';
import { testBroker } from '../support/broker.ts';

// kafkajs's own encoders and decoders for every version are the oracle for each layout this broker advertises
// (kafkajs itself only ever sends the highest; librdkafka picks lower ones, e.g. Metadata 4, ListOffsets 2).
const require = createRequire(import.meta.url);
type Codec = {
  request: { apiKey: number; apiVersion: number; encode(): Promise<unknown> };
  response: { decode(payload: Buffer): Promise<Record<string, unknown>> };
};
const { requests } = require('kafkajs/src/protocol/requests/index.js') as {
  requests: Record<
    string,
    { versions: string[]; protocol(o: { version: number }): (...args: unknown[]) => Codec }
  >;
};
const encodeRequest = require('kafkajs/src/protocol/request.js') as (o: {
  correlationId: number;
  clientId: string;
  request: Codec['request'];
}) => Promise<{ buffer: Buffer }>;

/** A connection that sends kafkajs-encoded requests and decodes the replies with kafkajs. */
class Wire {
  readonly #socket = new Socket();
  #buffered = Buffer.alloc(0);
  readonly #waiting: ((frame: Buffer) => void)[] = [];
  #correlationId = 0;

  async connect(port: number) {
    this.#socket.on('data', (chunk: Buffer) => {
      this.#buffered = Buffer.concat([this.#buffered, chunk]);
      while (this.#buffered.length >= 4 && this.#buffered.length >= 4 + this.#buffered.readInt32BE(0)) {
        const size = this.#buffered.readInt32BE(0);
        const frame = this.#buffered.subarray(4, 4 + size);
        this.#buffered = this.#buffered.subarray(4 + size);
        this.#waiting.shift()?.(frame);
      }
    });
    await new Promise<void>((resolve) => this.#socket.connect(port, '127.0.0.1', resolve));
  }

  async call(api: string, version: number, ...args: unknown[]): Promise<Record<string, unknown>> {
    const { request, response } = requests[api]!.protocol({ version })(...args);
    const correlationId = ++this.#correlationId;
    const { buffer } = await encodeRequest({ correlationId, clientId: 'versions', request });
    const frame = new Promise<Buffer>((resolve) => this.#waiting.push(resolve));
    this.#socket.write(buffer);
    const reply = await frame;
    assert.equal(reply.readInt32BE(0), correlationId);
    return response.decode(reply.subarray(4));
  }

  close() {
    this.#socket.destroy();
  }
}

/** Every error code anywhere in a decoded response. */
function errorCodes(value: unknown, out: number[] = []): number[] {
  if (Array.isArray(value)) for (const v of value) errorCodes(v, out);
  else if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (/errorcode$/i.test(key) && typeof v === 'number') out.push(v);
      else errorCodes(v, out);
    }
  }
  return out;
}

const KAFKAJS_NAMES: Record<number, string> = { 10: 'GroupCoordinator' };

/** The versions this broker advertises for `key` that kafkajs can encode (ApiVersions v3 is tested apart, by kcat). */
function range(key: number): number[] {
  const api = API_LIST.find((a) => a.key === key)!;
  const known = requests[KAFKAJS_NAMES[key] ?? api.name]!.versions.map(Number);
  return Array.from({ length: api.maxVersion - api.minVersion + 1 }, (_, i) => api.minVersion + i).filter(
    (v) => known.includes(v),
  );
}

describe('every advertised version, against kafkajs encoders and decoders', { timeout: 60_000 }, () => {
  let broker: RunningBroker;
  const wire = new Wire();
  before(async () => {
    broker = await testBroker();
    await wire.connect(broker.port);
  });
  after(async () => {
    wire.close();
    await broker.close();
  });

  it('ApiVersions, Metadata, CreateTopics, DeleteTopics', async () => {
    for (const v of range(18)) {
      const r = await wire.call('ApiVersions', v);
      assert.equal(r.errorCode, 0);
      assert.equal((r.apiVersions as unknown[]).length, API_LIST.length);
    }
    for (const v of range(19)) {
      const r = await wire.call('CreateTopics', v, {
        topics: [{ topic: `ct-${v}`, numPartitions: 2, replicationFactor: 1 }],
        timeout: 1000,
      });
      assert.deepEqual(errorCodes(r), [0], `CreateTopics v${v}`);
    }
    for (const v of range(3)) {
      const r = await wire.call('Metadata', v, {
        topics: [`ct-${range(19)[0]}`],
        allowAutoTopicCreation: false,
      });
      if (v >= 1) assert.equal(r.controllerId, 1, `Metadata v${v}`);
      else assert.equal((r.brokers as { port: number }[])[0]?.port, broker.port, 'Metadata v0');
      const [topic] = r.topicMetadata as { topic: string; partitionMetadata: unknown[] }[];
      assert.equal(topic?.partitionMetadata.length, 2, `Metadata v${v}`);
      assert.deepEqual([...new Set(errorCodes(r))], [0]);
    }
    for (const v of range(20)) {
      const r = await wire.call('DeleteTopics', v, { topics: [`ct-${v}`], timeout: 1000 });
      assert.deepEqual(errorCodes(r), [0], `DeleteTopics v${v}`);
    }
  });

  it('Produce, Fetch, ListOffsets, InitProducerId', async () => {
    await wire.call('CreateTopics', 3, {
      topics: [{ topic: 'data', numPartitions: 1, replicationFactor: 1 }],
      timeout: 1000,
    });
    for (const v of range(0)) {
      const r = await wire.call('Produce', v, {
        acks: -1,
        timeout: 1000,
        compression: 0,
        topicData: [
          {
            topic: 'data',
            partitions: [{ partition: 0, messages: [{ key: `k${v}`, value: `v${v}`, headers: { h: 'x' } }] }],
          },
        ],
      });
      const [topic] = r.topics as { partitions: { errorCode: number; baseOffset: string }[] }[];
      assert.equal(topic?.partitions[0]?.errorCode, 0, `Produce v${v}`);
      assert.equal(topic?.partitions[0]?.baseOffset, String(v - 3));
    }
    for (const v of range(1)) {
      const r = await wire.call('Fetch', v, {
        replicaId: -1,
        isolationLevel: 1,
        maxWaitTime: 10,
        minBytes: 1,
        maxBytes: 1 << 20,
        topics: [{ topic: 'data', partitions: [{ partition: 0, fetchOffset: '1', maxBytes: 1 << 20 }] }],
      });
      const [topic] = r.responses as { partitions: { errorCode: number; messages: { value: Buffer }[] }[] }[];
      const messages = topic?.partitions[0]?.messages ?? [];
      assert.deepEqual(
        messages.map((m) => m.value.toString()),
        ['v4', 'v5', 'v6', 'v7'],
        `Fetch v${v}`,
      );
    }
    for (const v of range(2)) {
      const r = await wire.call('ListOffsets', v, {
        replicaId: -1,
        isolationLevel: 1,
        topics: [{ topic: 'data', partitions: [{ partition: 0, timestamp: -1 }] }],
      });
      const [topic] = r.responses as { partitions: { errorCode: number; offset: string }[] }[];
      assert.equal(topic?.partitions[0]?.offset, '5', `ListOffsets v${v}`);
    }
    for (const v of range(22)) {
      const r = await wire.call('InitProducerId', v, { transactionalId: null, transactionTimeout: 5000 });
      assert.equal(r.errorCode, 0);
      assert.ok(Number(r.producerId) >= 1000, `InitProducerId v${v}`);
    }
  });

  it('DescribeConfigs, AlterConfigs, CreatePartitions, DeleteRecords', async () => {
    await wire.call('CreateTopics', 3, {
      topics: [{ topic: 'admin-apis', numPartitions: 1, replicationFactor: 1 }],
      timeout: 1000,
    });
    for (const v of range(33)) {
      const r = await wire.call('AlterConfigs', v, {
        resources: [
          { type: 2, name: 'admin-apis', configEntries: [{ name: 'retention.ms', value: String(1000 + v) }] },
        ],
        validateOnly: false,
      });
      assert.deepEqual(errorCodes(r), [0], `AlterConfigs v${v}`);
      const bad = await wire.call('AlterConfigs', v, {
        resources: [
          { type: 2, name: 'admin-apis', configEntries: [{ name: 'cleanup.policy', value: 'bogus' }] },
        ],
        validateOnly: false,
      });
      assert.deepEqual(errorCodes(bad), [40], `AlterConfigs v${v} INVALID_CONFIG`);
    }
    for (const v of range(32)) {
      const r = await wire.call('DescribeConfigs', v, {
        resources: [{ type: 2, name: 'admin-apis', configNames: ['retention.ms', 'cleanup.policy'] }],
        includeSynonyms: true,
      });
      const [resource] = r.resources as { configEntries: { configName: string; configValue: string }[] }[];
      assert.deepEqual(
        resource?.configEntries.map((e) => [e.configName, e.configValue]),
        [
          ['cleanup.policy', 'delete'],
          ['retention.ms', String(1000 + range(33).at(-1)!)],
        ],
        `DescribeConfigs v${v}`,
      );
      const missing = await wire.call('DescribeConfigs', v, {
        resources: [{ type: 2, name: 'nope' }],
        includeSynonyms: false,
      });
      assert.deepEqual(errorCodes(missing), [3], `DescribeConfigs v${v} UNKNOWN_TOPIC_OR_PARTITION`);
    }
    for (const v of range(37)) {
      const r = await wire.call('CreatePartitions', v, {
        topicPartitions: [{ topic: 'admin-apis', count: 2 + v }],
        validateOnly: false,
        timeout: 1000,
      });
      assert.deepEqual(errorCodes(r), [0], `CreatePartitions v${v}`);
      const shrink = await wire.call('CreatePartitions', v, {
        topicPartitions: [{ topic: 'admin-apis', count: 1 }],
        validateOnly: false,
        timeout: 1000,
      });
      assert.deepEqual(errorCodes(shrink), [37], `CreatePartitions v${v} INVALID_PARTITIONS`);
    }
    for (const v of range(21)) {
      const r = await wire.call('DeleteRecords', v, {
        topics: [{ topic: 'admin-apis', partitions: [{ partition: 0, offset: '-1' }] }],
        timeout: 1000,
      });
      assert.deepEqual(errorCodes(r), [0], `DeleteRecords v${v}`);
      const past = await wire.call('DeleteRecords', v, {
        topics: [{ topic: 'admin-apis', partitions: [{ partition: 0, offset: '5' }] }],
        timeout: 1000,
      });
      assert.deepEqual(errorCodes(past), [1], `DeleteRecords v${v} OFFSET_OUT_OF_RANGE`);
    }
  });

  it('the group APIs: FindCoordinator, Join/Sync/Heartbeat/Leave, OffsetCommit/Fetch, Describe/List/DeleteGroups', async () => {
    for (const v of range(10)) {
      const r = await wire.call('GroupCoordinator', v, { groupId: 'g', coordinatorType: 0 });
      assert.equal(r.errorCode, 0);
      assert.deepEqual(
        r.coordinator,
        { nodeId: 1, host: '127.0.0.1', port: broker.port },
        `FindCoordinator v${v}`,
      );
    }
    const protocols = [{ name: 'range', metadata: Buffer.from('meta') }];
    for (const v of range(11)) {
      const groupId = `join-v${v}`;
      const base = {
        groupId,
        sessionTimeout: 6000,
        rebalanceTimeout: 6000,
        protocolType: 'consumer',
        groupProtocols: protocols,
      };
      let joined = await wire.call('JoinGroup', v, { ...base, memberId: '' });
      if (v >= 4) {
        assert.equal(joined.errorCode, 79, 'MEMBER_ID_REQUIRED');
        joined = await wire.call('JoinGroup', v, { ...base, memberId: joined.memberId });
      }
      assert.equal(joined.errorCode, 0, `JoinGroup v${v}`);
      assert.equal(joined.leaderId, joined.memberId);
      assert.equal((joined.members as unknown[]).length, 1);
      const memberId = joined.memberId as string;
      const generationId = joined.generationId as number;
      const sv = range(14)[Math.min(v, range(14).length - 1)]!;
      const synced = await wire.call('SyncGroup', sv, {
        groupId,
        generationId,
        memberId,
        groupAssignment: [{ memberId, memberAssignment: Buffer.from('assignment') }],
      });
      assert.equal(synced.errorCode, 0, `SyncGroup v${sv}`);
      assert.equal((synced.memberAssignment as Buffer).toString(), 'assignment');
      for (const hv of range(12)) {
        assert.equal(
          (await wire.call('Heartbeat', hv, { groupId, groupGenerationId: generationId, memberId }))
            .errorCode,
          0,
          `Heartbeat v${hv}`,
        );
      }
      const cv = range(8)[Math.min(v, range(8).length - 1)]!;
      const committed = await wire.call('OffsetCommit', cv, {
        groupId,
        groupGenerationId: generationId,
        memberId,
        topics: [{ topic: 'data', partitions: [{ partition: 0, offset: String(v + 1), metadata: 'md' }] }],
      });
      assert.deepEqual(errorCodes(committed), [0], `OffsetCommit v${cv}`);
      for (const fv of range(9)) {
        const fetched = await wire.call('OffsetFetch', fv, {
          groupId,
          topics: [{ topic: 'data', partitions: [{ partition: 0 }] }],
        });
        const [topic] = fetched.responses as { partitions: { offset: string; metadata: string }[] }[];
        assert.deepEqual(
          [topic?.partitions[0]?.offset, topic?.partitions[0]?.metadata],
          [String(v + 1), 'md'],
          `OffsetFetch v${fv}`,
        );
      }
      // Kafka stores a null commit metadata as "" and answers "" (never null) at every version
      await wire.call('OffsetCommit', cv, {
        groupId,
        groupGenerationId: generationId,
        memberId,
        topics: [{ topic: 'data', partitions: [{ partition: 0, offset: String(v + 1), metadata: null }] }],
      });
      for (const fv of range(9)) {
        const fetched = await wire.call('OffsetFetch', fv, {
          groupId,
          topics: [{ topic: 'data', partitions: [{ partition: 0 }] }],
        });
        const [topic] = fetched.responses as { partitions: { metadata: string | null }[] }[];
        assert.equal(topic?.partitions[0]?.metadata, '', `OffsetFetch v${fv} after a null metadata`);
      }
      for (const dv of range(15)) {
        const described = await wire.call('DescribeGroups', dv, { groupIds: [groupId] });
        const [group] = described.groups as { state: string; protocol: string; members: unknown[] }[];
        assert.deepEqual(
          [group?.state, group?.protocol, group?.members.length],
          ['Stable', 'range', 1],
          `DescribeGroups v${dv}`,
        );
      }
      const lv = range(13)[Math.min(v, range(13).length - 1)]!;
      const left = await wire.call('LeaveGroup', lv, { groupId, memberId });
      assert.deepEqual([...new Set(errorCodes(left))], [0], `LeaveGroup v${lv}`);
    }
    for (const v of range(16)) {
      const listed = await wire.call('ListGroups', v);
      assert.equal(listed.errorCode, 0);
      assert.ok(
        (listed.groups as { groupId: string }[]).some((g) => g.groupId === 'join-v0'),
        `ListGroups v${v}`,
      );
    }
    for (const v of range(42)) {
      const deleted = await wire.call('DeleteGroups', v, [`join-v${v}`]);
      assert.deepEqual(errorCodes(deleted), [0], `DeleteGroups v${v}`);
    }
  });
});
