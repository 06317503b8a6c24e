import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import { lastValueFrom } from 'rxjs';
import type { RunningBroker } from '../../src/index.ts';
import { received, startClient, startServer } from '../nest-fixtures/dist/math.app.js';
import { client, testBroker } from '../support/broker.ts';

describe('NestJS Kafka transport (ServerKafka + ClientKafka)', { timeout: 120_000 }, () => {
  let broker: RunningBroker;
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    broker = await testBroker();
    // reply topics need at least as many partitions as ClientKafka replicas (two below)
    const admin = client(broker.bootstrap).admin();
    await admin.connect();
    await admin.createTopics({
      topics: ['math.sum', 'math.fail', 'math.created'].flatMap((t) => [
        { topic: t, numPartitions: 2 },
        { topic: `${t}.reply`, numPartitions: 2 },
      ]),
    });
    await admin.disconnect();
    server = await startServer(broker.bootstrap);
  });
  after(async () => {
    await server.close();
    await broker.close();
  });

  it('request-response over reply topics, errors propagated, with two client replicas', async () => {
    const callers = [await startClient(broker.bootstrap), await startClient(broker.bootstrap)];
    try {
      const sums = await Promise.all(
        callers.flatMap((caller, n) =>
          [1, 2, 3].map((i) => lastValueFrom(caller.send<number>('math.sum', [n * 100, i, i]))),
        ),
      );
      assert.deepEqual(sums.map(Number), [2, 4, 6, 102, 104, 106]);
      for (const caller of callers) {
        await assert.rejects(lastValueFrom(caller.send('math.fail', {})), (error: unknown) =>
          JSON.stringify(error).includes('boom: division by zero'),
        );
      }
      // the two replicas split the reply partitions between them
      const group = broker.context.groups.groups.get('caller-client')!;
      assert.equal(group.state, 'Stable');
      assert.equal(group.members.size, 2);
      assert.equal(group.protocolName, 'NestReplyPartitionAssigner');
    } finally {
      await Promise.all(callers.map((c) => c.close()));
    }
  });

  it('events (emit) reach the @EventPattern handler', async () => {
    const caller = await startClient(broker.bootstrap);
    try {
      await lastValueFrom(caller.emit('math.created', { id: 42 }));
      await lastValueFrom(caller.emit('math.created', { id: 43 }));
      await waitFor(() => received.length >= 2, { timeoutMs: 20_000, description: 'events received' });
      assert.deepEqual(received.map((r) => (r.value as { id: number }).id).sort(), [42, 43]);
    } finally {
      await caller.close();
    }
  });
});
