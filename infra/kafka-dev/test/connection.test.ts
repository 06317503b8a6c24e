import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import type { RunningBroker } from '../src/index.ts';
import { MAX_DURABILITY_WAITS, QUEUE_HIGH_WATER_BYTES } from '../src/server/connection.handler.ts';
import { client, testBroker } from './support/broker.ts';
import {
  encodeBatch,
  fetchRequest,
  frame,
  produceRequest,
  produceResult,
  WireConnection,
} from './support/wire.ts';

const apiVersions = (id: number) => frame(18, 0, id, () => {});
const metadata = (version: number, id: number) =>
  frame(3, version, id, (w) => {
    if (version === 0) w.array([], (w) => w);
    else w.array(null, (w) => w);
    if (version >= 4) w.boolean(false);
  });
const correlationIds = (frames: Buffer[]) => frames.map((f) => f.readInt32BE(0));

describe('one connection, many requests', { timeout: 60_000 }, () => {
  let broker: RunningBroker;
  before(async () => {
    broker = await testBroker();
  });
  after(() => broker.close());

  it('answers pipelined ApiVersions v0 + Metadata v0 (kafka-python probe) in order, 10 times out of 10', async () => {
    for (let round = 0; round < 10; round++) {
      const wire = await WireConnection.open(broker.port);
      wire.write(apiVersions(1), metadata(0, 2));
      assert.deepEqual(correlationIds(await wire.until(2)), [1, 2]);
      wire.write(metadata(1, 3), metadata(0, 4), metadata(4, 5), apiVersions(6));
      assert.deepEqual(correlationIds(await wire.until(6)), [1, 2, 3, 4, 5, 6]);
      assert.equal(wire.closed, false);
      wire.close();
    }
  });

  it('answers every request before a bad one, then closes', async () => {
    const admin = client(broker.bootstrap).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'ordered', numPartitions: 1 }] });
    await admin.disconnect();
    const wire = await WireConnection.open(broker.port);
    const produce = produceRequest('ordered', 0, encodeBatch([{ value: 'x' }]), { correlationId: 3 });
    wire.write(
      apiVersions(1),
      metadata(1, 2),
      produce,
      frame(99, 0, 4, () => {}),
      apiVersions(5),
    );
    await waitFor(() => wire.closed, { description: 'connection closed' });
    assert.deepEqual(
      correlationIds(wire.frames),
      [1, 2, 3],
      'the Produce waiting for its fsync is answered too',
    );
  });

  it('applies pipelined Produce requests in order, lets at most 16 wait for their fsync together, answers in order', async () => {
    const admin = client(broker.bootstrap).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'piped', numPartitions: 1 }] });
    await admin.disconnect();
    const wire = await WireConnection.open(broker.port);
    const requests = Array.from({ length: 100 }, (_, i) =>
      produceRequest('piped', 0, encodeBatch([{ value: `m${i}` }]), { correlationId: i }),
    );
    wire.write(...requests);
    const replies = await wire.until(100);
    assert.deepEqual(
      correlationIds(replies),
      requests.map((_, i) => i),
    );
    assert.deepEqual(
      replies.map((r) => produceResult(r.subarray(4)).baseOffset),
      requests.map((_, i) => i),
      'applied in request order',
    );
    const [stats] = broker.connections();
    assert.ok(
      stats && stats.maxPendingAnswers <= MAX_DURABILITY_WAITS,
      `${stats?.maxPendingAnswers} answers waited`,
    );
    wire.close();
    await waitFor(() => broker.connections().length === 0, { description: 'connection closed' });
  });

  it('holds at most one request in flight and a bounded queue for a client that never reads, and frees it on close', async () => {
    const admin = client(broker.bootstrap).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'big', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = await WireConnection.open(broker.port);
    const value = 'x'.repeat(500 * 1024);
    for (let i = 0; i < 3; i++) {
      const reply = produceResult(await producer.call(produceRequest('big', 0, encodeBatch([{ value }]))));
      assert.equal(reply.errorCode, 0);
    }
    producer.close();
    await waitFor(() => broker.connections().length === 0, { description: 'producer connection gone' });

    // 300 Fetch requests of 1 MiB each, then 200 KiB more requests, and never a read
    const greedy = await WireConnection.open(broker.port);
    greedy.socket.pause();
    const fetches = Array.from({ length: 300 }, (_, i) => fetchRequest('big', 0, 0, i));
    greedy.write(...fetches);
    const filler = Array.from({ length: 10_000 }, (_, i) => apiVersions(1000 + i));
    greedy.write(...filler);
    await waitFor(() => broker.connections().some((c) => c.paused && c.inFlight === 0 && c.unsentBytes > 0), {
      description: 'the broker stops serving the connection that does not read',
    });
    const [stats] = broker.connections();
    assert.ok(stats);
    assert.equal(stats.maxInFlight, 1, 'one request at a time, as Kafka mutes the channel');
    assert.ok(stats.handled < 300, `only what the kernel buffers take is answered (${stats.handled})`);
    assert.ok(stats.queuedRequests > 0);
    assert.ok(
      stats.maxQueuedBytes <= QUEUE_HIGH_WATER_BYTES + 64 * 1024,
      `queued request bytes stay bounded (${stats.maxQueuedBytes})`,
    );
    assert.ok(stats.maxUnsentBytes <= 1.6 * 1024 * 1024, `at most one answer held (${stats.maxUnsentBytes})`);
    greedy.close();
    await waitFor(() => broker.connections().length === 0, { description: 'connection state released' });
  });
});
