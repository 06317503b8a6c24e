import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { skipUnlessBinary, waitFor } from '@rebound/testing';
import type { RunningBroker } from '../src/index.ts';
import { decodeRecords } from '../src/protocol/batch-records.codec.ts';
import { crc32c } from '../src/protocol/crc32c.checksum.ts';
import { client, tempDir, testBroker } from './support/broker.ts';
import { kcatConsume } from './support/kcat.ts';
import { prng } from './support/prng.ts';
import { runPython, skipUnlessPythonModule } from './support/python.ts';
import {
  CODECS,
  encodeBatch,
  fetchRequest,
  fetchResult,
  frame,
  produceRequest,
  produceResult,
  type TestRecord,
  WireConnection,
} from './support/wire.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const kcatMissing = skipUnlessBinary('kcat', 'kcat');
const CODEC_NAMES = Object.keys(CODECS) as (keyof typeof CODECS)[];
const topicOf = (codec: string) => `fuzz-${codec}`;

function randomRecords(random: () => number): TestRecord[] {
  return Array.from({ length: 1 + Math.floor(random() * 6) }, (_, i) => ({
    key: random() < 0.3 ? null : `k${i}`,
    value: random() < 0.1 ? null : 'v'.repeat(Math.floor(random() * 50)),
    timestampDelta: Math.floor(random() * 1000),
    headers: random() < 0.5 ? [['h', `x${i}`]] : [],
  }));
}

/**
 * A valid batch of a random codec, then one structure-aware mutation: header fields (offset delta, count,
 * attributes, magic, length), the payload (bytes flipped, cut or extended; compressed or not), the record
 * framing inside an uncompressed batch. Most mutations recompute the CRC, so they reach the deeper checks.
 */
function mutatedBatch(random: () => number, codec: keyof typeof CODECS): Buffer {
  const batch = encodeBatch(randomRecords(random), { codec });
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const kind = Math.floor(random() * 9);
  let out = batch;
  if (kind === 0) out.writeInt32BE(pick([-1, -5, 0, 1, 7, 2 ** 31 - 1]), 23);
  else if (kind === 1) out.writeInt32BE(pick([-1, 0, 1, 2, 1000, 2 ** 31 - 1]), 57);
  else if (kind === 2) out.writeInt16BE(pick([5, 6, 7, 0x20, 0x08, 0x10, 0x40, 0x7fff]), 21);
  else if (kind === 3) out.writeInt8(pick([0, 1, 3, -1]), 16);
  else if (kind === 4) out.writeInt32BE(out.readInt32BE(8) + pick([-30, -1, 1, 100]), 8);
  else if (kind === 5) {
    for (let n = 1 + Math.floor(random() * 4); n > 0; n--)
      out[61 + Math.floor(random() * (out.length - 61))] = Math.floor(random() * 256);
  } else if (kind === 6) out = out.subarray(0, 61 + Math.floor(random() * (out.length - 61)));
  else if (kind === 7) out = Buffer.concat([out, Buffer.from([pick([0, 2, 0x7f, 0xff])])]);
  else out[61] = pick([0, 1, 0x7f, 0x80, 0xff]);
  if (kind >= 5) out.writeInt32BE(out.length - 12, 8);
  if (random() < 0.9) out.writeUInt32BE(crc32c(out, 21), 17);
  return Buffer.from(out);
}

describe('fuzzing record batches and connections', { timeout: 300_000 }, () => {
  using dir = tempDir();
  let broker: RunningBroker;
  before(async () => {
    broker = await testBroker({ dataDir: dir.path });
    const admin = client(broker.bootstrap).admin();
    await admin.connect();
    await admin.createTopics({ topics: CODEC_NAMES.map((c) => ({ topic: topicOf(c), numPartitions: 1 })) });
    await admin.disconnect();
  });
  after(() => broker.close());

  /** Every partition read back: dense offsets, every stored batch decodes, its CRC holds. */
  const checkReadable = async () => {
    const wire = await WireConnection.open(broker.port);
    const ends: Record<string, number> = {};
    for (const codec of CODEC_NAMES) {
      const result = fetchResult(await wire.call(fetchRequest(topicOf(codec), 0, 0)));
      assert.equal(result.errorCode, 0);
      let next = 0;
      for (const batch of result.batches) {
        assert.equal(Number(batch.readBigInt64BE(0)), next, `${codec}: dense offsets`);
        assert.equal(crc32c(batch, 21), batch.readUInt32BE(17), `${codec}: CRC`);
        next += decodeRecords(batch).length;
      }
      assert.equal(next, result.highWatermark, `${codec}: every offset up to the high watermark is stored`);
      ends[codec] = next;
    }
    wire.close();
    return ends;
  };

  it('answers thousands of mutated batches (every codec) with an error or an offset, and stores only valid ones', async () => {
    const random = prng(20261207);
    const total = Number(process.env.FUZZ_BATCHES ?? 2000);
    const wire = await WireConnection.open(broker.port);
    const outcomes = new Map<number, number>();
    for (let sent = 0; sent < total; ) {
      // pipelined: 20 produce requests per write, answered in order
      const burst = Array.from({ length: 20 }, (_, i) => {
        const codec = CODEC_NAMES[Math.floor(random() * CODEC_NAMES.length)]!;
        return produceRequest(topicOf(codec), 0, mutatedBatch(random, codec), { correlationId: sent + i });
      });
      const before = wire.frames.length;
      wire.write(...burst);
      const frames = await wire.until(before + burst.length);
      assert.equal(frames.length, before + burst.length, 'every produce answered, the connection stays open');
      for (const [i, reply] of frames.slice(before).entries()) {
        assert.equal(reply.readInt32BE(0), sent + i, 'in order');
        const { errorCode } = produceResult(reply.subarray(4));
        outcomes.set(errorCode, (outcomes.get(errorCode) ?? 0) + 1);
      }
      sent += burst.length;
    }
    wire.close();
    assert.ok((outcomes.get(0) ?? 0) > 0 && outcomes.size > 3, `a mix of outcomes: ${[...outcomes]}`);
    const ends = await checkReadable();
    await broker.close();
    broker = await testBroker({ dataDir: dir.path });
    assert.deepEqual(await checkReadable(), ends, 'the same after a restart');
  });

  it('every client reads every partition to its end: kafkajs, kcat, confluent-kafka, kafka-python', async () => {
    const ends = await checkReadable();
    const kafka = client(broker.bootstrap);
    for (const codec of ['none', 'gzip'] as const) {
      const consumer = kafka.consumer({
        groupId: `fuzz-reader-${codec}`,
        sessionTimeout: 6000,
        maxWaitTimeInMs: 100,
      });
      await consumer.connect();
      await consumer.subscribe({ topic: topicOf(codec), fromBeginning: true });
      let count = 0;
      await consumer.run({
        eachMessage: async () => {
          count++;
        },
      });
      await waitFor(() => count === ends[codec], { description: `kafkajs reads ${codec}` });
      await consumer.disconnect();
    }
    if (!kcatMissing) {
      for (const codec of CODEC_NAMES) {
        const lines = await kcatConsume(broker.bootstrap, topicOf(codec));
        assert.equal(lines, ends[codec], `kcat reads ${codec}`);
      }
    }
    // kafka-python here has no snappy, lz4 or zstd codec installed: it reads the uncompressed and gzip partitions
    const python: [string, string, string, readonly string[]][] = [
      ['confluent_client.py', 'confluent_kafka', 'python3-confluent-kafka', CODEC_NAMES],
      ['kafka_python_client.py', 'kafka', 'python3-kafka', ['none', 'gzip']],
    ];
    for (const [script, module, debianPackage, codecs] of python) {
      if (skipUnlessPythonModule(module, debianPackage)) continue;
      for (const codec of codecs) {
        const { count } = await runPython<{ count: number }>(script, [
          broker.bootstrap,
          'count',
          topicOf(codec),
        ]);
        assert.equal(count, ends[codec], `${script} reads ${codec}`);
      }
    }
  });

  it('pipelined, mutated and never-read requests on many connections: state released, heap back where it was', async () => {
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const random = prng(7);
    const fetchAll = (id: number) => fetchRequest(topicOf('none'), 0, 0, id);
    for (let round = 0; round < 20; round++) {
      const wires = await Promise.all(Array.from({ length: 8 }, () => WireConnection.open(broker.port)));
      for (const [w, wire] of wires.entries()) {
        wire.socket.pause();
        const frames = Array.from({ length: 200 }, (_, i) => fetchAll(i));
        if (w % 2 === 1)
          frames.push(frame(0, 7, 999, (x) => x.raw(Buffer.from([Math.floor(random() * 256)]))));
        wire.write(...frames, produceRequest(topicOf('none'), 0, mutatedBatch(random, 'none')));
      }
      await waitFor(
        () => broker.connections().filter((c) => c.paused || c.handled > 0).length >= wires.length / 2,
        { description: 'connections busy' },
      );
      for (const wire of wires) wire.close();
    }
    await waitFor(() => broker.connections().length === 0, { description: 'every connection released' });
    for (const stats of broker.connections()) assert.equal(stats.queuedBytes, 0);
    gc();
    const growth = process.memoryUsage().heapUsed - heapBefore;
    assert.ok(growth < 32 * 1024 * 1024, `heap grew by ${growth} bytes`);
    const after = await checkReadable();
    assert.ok(Object.values(after).every((n) => n >= 0));
  });
});
