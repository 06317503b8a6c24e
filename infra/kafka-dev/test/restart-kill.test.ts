import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort, waitFor } from '@rebound/testing';
import { client, FAST_CONSUMER, tempDir } from './support/broker.ts';
import { BrokerProcess } from './support/broker-process.ts';

describe('restart and kill -9 of the broker process', { timeout: 180_000 }, () => {
  it('every acknowledged record is consumed exactly once by an idempotent consumer; offsets survive', async () => {
    using dir = tempDir();
    const port = await freePort();
    const bootstrap = `127.0.0.1:${port}`;
    const broker = new BrokerProcess([
      '--port',
      String(port),
      '--data-dir',
      dir.path,
      '--metrics-port=off',
      '--partitions',
      '3',
    ]);
    await broker.start();
    const kafka = client(bootstrap, 'chaos');
    const topic = 'chaos-orders';
    const groupId = 'chaos-group';

    // idempotent consumer: applies each record id once, counts raw deliveries
    const applied = new Set<number>();
    let deliveries = 0;
    const consumer = kafka.consumer({
      groupId,
      ...FAST_CONSUMER,
      retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        deliveries++;
        applied.add(Number(message.value!.toString()));
      },
    });

    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    await producer.connect();
    const acknowledged = new Set<number>();
    let next = 0;
    let producing = true;
    const loop = (async () => {
      while (producing) {
        const ids = [next, next + 1, next + 2];
        next += 3;
        try {
          await producer.send({
            topic,
            acks: -1,
            messages: ids.map((id) => ({ key: String(id), value: String(id) })),
          });
          for (const id of ids) acknowledged.add(id);
        } catch {
          // not acknowledged: may or may not be in the log, never counted
        }
      }
    })();

    const phase = async (target: number) =>
      waitFor(() => acknowledged.size >= target, { timeoutMs: 60_000, description: `${target} acks` });
    await phase(150);
    assert.equal(await broker.stop('SIGKILL'), null, 'killed by signal');
    await broker.start();
    await phase(acknowledged.size + 150);
    const committedBefore = await committedTotal();
    assert.equal(await broker.stop('SIGTERM'), 0, 'clean exit on SIGTERM');
    assert.match(broker.output, /SIGTERM: closing/);
    await broker.start();
    assert.ok((await committedTotal()) >= committedBefore, 'committed offsets survive a restart');
    await phase(acknowledged.size + 150);
    await broker.stop('SIGKILL');
    await broker.start();
    await phase(acknowledged.size + 60);
    producing = false;
    await loop;

    await waitFor(() => [...acknowledged].every((id) => applied.has(id)), {
      timeoutMs: 60_000,
      description: 'every acked record consumed',
    });
    assert.ok(acknowledged.size >= 500);
    // the log holds each acked record once (idempotent producer), and the consumer did not start over
    // after the restarts: redeliveries are bounded by what was in flight at each kill
    assert.ok(deliveries - applied.size < 200, `redeliveries ${deliveries - applied.size}`);

    await consumer.disconnect();
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    const total = offsets.reduce((sum, o) => sum + Number(o.high), 0);
    assert.ok(
      total >= acknowledged.size && total <= next,
      `log holds ${total} records for ${acknowledged.size} acked of ${next} sent`,
    );
    await admin.disconnect();
    await broker.stop('SIGTERM');

    async function committedTotal(): Promise<number> {
      const admin = kafka.admin();
      await admin.connect();
      const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
      await admin.disconnect();
      return (result?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    }
  });
});
