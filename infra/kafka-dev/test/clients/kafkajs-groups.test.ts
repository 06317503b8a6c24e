import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@rebound/testing';
import { AssignerProtocol, type Consumer, type Kafka } from 'kafkajs';
import { client, FAST_CONSUMER, testBroker, uniqueName } from '../support/broker.ts';

const STUCK = fileURLToPath(new URL('../fixtures/stuck-consumer.ts', import.meta.url));

describe('kafkajs consumer groups', { timeout: 120_000 }, () => {
  let broker: Awaited<ReturnType<typeof testBroker>>;
  let kafka: Kafka;
  before(async () => {
    broker = await testBroker();
    kafka = client(broker.bootstrap);
  });
  after(() => broker.close());

  /** The group's assignment once it is Stable with `members` members: partitions per member. */
  async function stableAssignment(groupId: string, topic: string, members: number): Promise<number[][]> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return await waitFor(
        async () => {
          const { groups } = await admin.describeGroups([groupId]);
          const group = groups[0]!;
          if (group.state !== 'Stable' || group.members.length !== members) return null;
          return group.members.map((m) => {
            const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
            return [...(decoded?.assignment[topic] ?? [])].sort((a, b) => a - b);
          });
        },
        { timeoutMs: 30_000, intervalMs: 100, description: `${members} stable members` },
      );
    } finally {
      await admin.disconnect();
    }
  }

  function assertCompleteDisjoint(assignment: number[][], partitions: number) {
    const all = assignment.flat().sort((a, b) => a - b);
    assert.deepEqual(
      all,
      Array.from({ length: partitions }, (_, i) => i),
      'complete and disjoint',
    );
    assert.ok(assignment.every((p) => p.length > 0));
  }

  it('grows 1 → 3 → 1 members with complete, disjoint assignments and no record lost or duplicated', async () => {
    const topic = uniqueName('grow');
    const groupId = uniqueName('grp');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const seen = new Map<string, number>();
    let sent = 0;
    const sendSome = async (n: number) => {
      const messages = Array.from({ length: n }, () => ({ key: `k${sent}`, value: String(sent++) }));
      await producer.send({ topic, messages });
    };
    const start = async () => {
      const consumer = kafka.consumer({ groupId, ...FAST_CONSUMER });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) =>
          void seen.set(message.value!.toString(), (seen.get(message.value!.toString()) ?? 0) + 1),
      });
      return consumer;
    };
    const first = await start();
    await sendSome(30);
    assertCompleteDisjoint(await stableAssignment(groupId, topic, 1), 6);
    const others: Consumer[] = [await start(), await start()];
    await sendSome(30);
    const three = await stableAssignment(groupId, topic, 3);
    assertCompleteDisjoint(three, 6);
    await sendSome(30);
    await Promise.all(others.map((c) => c.disconnect()));
    await sendSome(30);
    assertCompleteDisjoint(await stableAssignment(groupId, topic, 1), 6);
    await waitFor(() => seen.size === sent, { timeoutMs: 30_000, description: 'every record consumed' });
    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    assert.equal(duplicates, 0, 'commits during the rebalances were accepted, so nothing is redelivered');
    await first.disconnect();
    await producer.disconnect();
  });

  it('evicts a crashed member after its session timeout and redelivers its uncommitted record', async () => {
    const topic = uniqueName('crash');
    const groupId = uniqueName('grp');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'only' }] });
    await producer.disconnect();
    const child = spawn(
      process.execPath,
      ['--conditions=development', STUCK, broker.bootstrap, groupId, topic],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    await waitFor(() => out.includes('got 0 only'), {
      timeoutMs: 20_000,
      description: 'stuck member got the record',
    });
    child.kill('SIGKILL');
    await once(child, 'exit');
    const survivor = kafka.consumer({ groupId, ...FAST_CONSUMER });
    await survivor.connect();
    await survivor.subscribe({ topic, fromBeginning: true });
    const got: string[] = [];
    await survivor.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    await waitFor(() => got.length === 1, { timeoutMs: 30_000, description: 'redelivery to the survivor' });
    assert.deepEqual(got, ['only']);
    const group = broker.context.groups.groups.get(groupId)!;
    assert.equal(group.members.size, 1);
    assert.ok(broker.lines.some((l) => l.includes(groupId) && /session expired|did not rejoin/.test(l)));
    await survivor.disconnect();
  });

  it('rejects a session timeout below 6000 ms, as Kafka does', async () => {
    const consumer = kafka.consumer({
      groupId: uniqueName('grp'),
      ...FAST_CONSUMER,
      sessionTimeout: 5000,
      retry: { retries: 0 },
    });
    await consumer.connect();
    await consumer.subscribe({ topic: uniqueName('short'), fromBeginning: true });
    const crashed = new Promise<Error>((resolve) =>
      consumer.on(consumer.events.CRASH, (e) => resolve(e.payload.error)),
    );
    await consumer.run({ eachMessage: async () => {} }).catch(() => {});
    const error = await crashed;
    assert.match(error.message, /session timeout is not within the range allowed by the broker/);
    await consumer.disconnect();
  });

  it('reports group states over time: Empty → Stable → Empty', async () => {
    const topic = uniqueName('states');
    const groupId = uniqueName('grp');
    const admin = kafka.admin();
    await admin.connect();
    const state = async () => (await admin.describeGroups([groupId])).groups[0]?.state;
    assert.equal(await state(), 'Dead');
    const consumer = kafka.consumer({ groupId, ...FAST_CONSUMER });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async () => {} });
    await waitFor(async () => (await state()) === 'Stable', { description: 'Stable' });
    await consumer.disconnect();
    assert.equal(await state(), 'Empty');
    await admin.disconnect();
  });
});
