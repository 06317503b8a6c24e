import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { RunningBroker } from '../../src/index.ts';
import { decodeRecords } from '../../src/protocol/batch-records.codec.ts';
import { ErrorCode } from '../../src/protocol/error-code.enum.ts';
import { client, tempDir, testBroker } from '../support/broker.ts';
import {
  CODECS,
  encodeBatch,
  encodeRecords,
  fetchRequest,
  fetchResult,
  produceRequest,
  produceResult,
  type TestRecord,
  WireConnection,
} from '../support/wire.ts';

const TOPIC = 'strict';
/** Batches of every codec: kafkajs reads only uncompressed and gzip, so these live apart. */
const CODEC_TOPIC = 'strict-codecs';
const three: TestRecord[] = [
  { key: 'a', value: '1', headers: [['h', 'x']] },
  { key: 'b', value: '2', timestampDelta: 5 },
  { key: 'c', value: null, timestampDelta: 9 },
];
const garbage = randomBytes(40);

/** Each bad batch, the error Kafka answers for it, and why. */
const REJECTED: [name: string, records: () => Buffer | null, errorCode: number, version?: number][] = [
  ['negative last offset delta', () => encodeBatch(three, { lastOffsetDelta: -5 }), ErrorCode.INVALID_RECORD],
  ['record count 0', () => encodeBatch(three, { count: 0, lastOffsetDelta: -1 }), ErrorCode.INVALID_RECORD],
  [
    'count above the records',
    () => encodeBatch(three, { count: 4, lastOffsetDelta: 3 }),
    ErrorCode.INVALID_RECORD,
  ],
  [
    'count below the records',
    () => encodeBatch(three, { count: 2, lastOffsetDelta: 1 }),
    ErrorCode.INVALID_RECORD,
  ],
  [
    'offset range disagreeing with the count',
    () => encodeBatch(three, { lastOffsetDelta: 7 }),
    ErrorCode.INVALID_RECORD,
  ],
  ['garbage record bytes', () => encodeBatch(three, { payload: garbage }), ErrorCode.INVALID_RECORD],
  [
    'a record longer than the batch',
    () => encodeBatch(three, { payload: Buffer.from([0x7e, 0, 0]) }),
    ErrorCode.INVALID_RECORD,
  ],
  [
    'non-consecutive offset deltas',
    () => encodeBatch([{ offsetDelta: 0 }, { offsetDelta: 0 }]),
    ErrorCode.INVALID_RECORD,
  ],
  [
    'a header key that is not UTF-8',
    () =>
      encodeBatch([], {
        count: 1,
        lastOffsetDelta: 0,
        payload: Buffer.from([0x16, 0, 0, 0, 1, 2, 0x76, 2, 2, 0x87, 2, 0x78]),
      }),
    ErrorCode.INVALID_RECORD,
  ],
  ['an unknown compression codec', () => encodeBatch(three, { attributes: 5 }), ErrorCode.INVALID_RECORD],
  ['a control batch', () => encodeBatch(three, { attributes: 0x20 }), ErrorCode.INVALID_RECORD],
  [
    'LogAppendTime set by the producer',
    () => encodeBatch(three, { attributes: 0x08 }),
    ErrorCode.INVALID_TIMESTAMP,
  ],
  [
    'a producer id without a sequence',
    () => encodeBatch(three, { producerId: 7n }),
    ErrorCode.INVALID_RECORD,
  ],
  [
    'two batches in one partition entry',
    () => Buffer.concat([encodeBatch(three), encodeBatch(three)]),
    ErrorCode.INVALID_RECORD,
  ],
  ['no records at all', () => null, ErrorCode.INVALID_RECORD],
  [
    'magic 1',
    () => {
      const b = encodeBatch(three);
      b.writeInt8(1, 16);
      return b;
    },
    ErrorCode.INVALID_RECORD,
  ],
  ['a CRC-32C mismatch', () => encodeBatch(three, { crc: 12345 }), ErrorCode.CORRUPT_MESSAGE],
  ['a truncated batch', () => encodeBatch(three).subarray(0, 70), ErrorCode.CORRUPT_MESSAGE],
  [
    'trailing bytes after the batch',
    () => Buffer.concat([encodeBatch(three), Buffer.alloc(5)]),
    ErrorCode.INVALID_RECORD,
  ],
  [
    'gzip that does not inflate',
    () => encodeBatch(three, { codec: 'gzip', payload: garbage }),
    ErrorCode.CORRUPT_MESSAGE,
  ],
  [
    'zstd that does not inflate',
    () => encodeBatch(three, { codec: 'zstd', payload: garbage }),
    ErrorCode.CORRUPT_MESSAGE,
  ],
  [
    'snappy that does not inflate',
    () => encodeBatch(three, { codec: 'snappy', payload: Buffer.from([9, 0x01, 0xff]) }),
    ErrorCode.CORRUPT_MESSAGE,
  ],
  [
    'lz4 that does not inflate',
    () => encodeBatch(three, { codec: 'lz4', payload: garbage }),
    ErrorCode.CORRUPT_MESSAGE,
  ],
  [
    'lz4 with a wrong frame descriptor checksum',
    () => {
      const lz4 = CODECS.lz4[1](encodeRecords(three));
      lz4[6]! ^= 0xff;
      return encodeBatch(three, { codec: 'lz4', payload: lz4 });
    },
    ErrorCode.CORRUPT_MESSAGE,
  ],
  [
    'lz4 with a wrong content checksum',
    () => {
      const lz4 = CODECS.lz4[1](encodeRecords(three));
      lz4[lz4.length - 1]! ^= 0xff;
      return encodeBatch(three, { codec: 'lz4', payload: lz4 });
    },
    ErrorCode.CORRUPT_MESSAGE,
  ],
  ...(['gzip', 'snappy', 'lz4', 'zstd'] as const).map((codec): [string, () => Buffer, number] => [
    `${codec} with bytes after the compressed data`,
    () =>
      encodeBatch(three, {
        codec,
        payload: Buffer.concat([CODECS[codec][1](encodeRecords(three)), Buffer.from([0, 7])]),
      }),
    ErrorCode.CORRUPT_MESSAGE,
  ]),
  ...(['gzip', 'snappy', 'lz4', 'zstd'] as const).map((codec): [string, () => Buffer, number] => [
    `${codec} holding garbage records`,
    () => encodeBatch(three, { codec, payload: CODECS[codec][1](garbage) }),
    ErrorCode.INVALID_RECORD,
  ]),
  ...(['gzip', 'snappy', 'lz4', 'zstd'] as const).map((codec): [string, () => Buffer, number] => [
    `${codec} holding fewer records than the count`,
    () => encodeBatch(three, { codec, count: 4, lastOffsetDelta: 3 }),
    ErrorCode.INVALID_RECORD,
  ]),
  [
    'zstd below Produce v7',
    () => encodeBatch(three, { codec: 'zstd' }),
    ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
    6,
  ],
];

describe('Produce validation (raw frames over a socket, a persisted broker restarted after each case)', {
  timeout: 120_000,
}, () => {
  using dir = tempDir();
  let broker: RunningBroker;
  let expected = 0;

  const start = async () => {
    broker = await testBroker({ dataDir: dir.path });
  };
  /** Every batch of the partition, read back over the wire; their records must decode and be dense. */
  const readAll = async (topic = TOPIC) => {
    const wire = await WireConnection.open(broker.port);
    const result = fetchResult(await wire.call(fetchRequest(topic, 0, 0)));
    wire.close();
    assert.equal(result.errorCode, 0);
    let next = 0;
    for (const batch of result.batches) {
      assert.equal(Number(batch.readBigInt64BE(0)), next, 'batches are dense');
      next += decodeRecords(batch).length;
    }
    return { highWatermark: result.highWatermark, records: next };
  };

  before(async () => {
    await start();
    const admin = client(broker.bootstrap).admin();
    await admin.connect();
    await admin.createTopics({ topics: [TOPIC, CODEC_TOPIC].map((topic) => ({ topic, numPartitions: 1 })) });
    await admin.disconnect();
  });
  after(() => broker.close());

  it('stores valid batches of every codec (gzip, snappy, lz4, zstd), records readable after a restart', async () => {
    const wire = await WireConnection.open(broker.port);
    let offset = 0;
    for (const codec of Object.keys(CODECS) as (keyof typeof CODECS)[]) {
      const reply = produceResult(
        await wire.call(produceRequest(CODEC_TOPIC, 0, encodeBatch(three, { codec }))),
      );
      assert.deepEqual(reply, { errorCode: 0, baseOffset: offset }, codec);
      offset += 3;
    }
    wire.close();
    await broker.close();
    await start();
    assert.deepEqual(await readAll(CODEC_TOPIC), { highWatermark: offset, records: offset });
  });

  for (const [name, records, errorCode, version] of REJECTED) {
    it(`rejects ${name}, stores nothing, and the partition stays readable across a restart`, async () => {
      const wire = await WireConnection.open(broker.port);
      const bad = produceResult(await wire.call(produceRequest(TOPIC, 0, records(), { version })));
      assert.equal(bad.errorCode, errorCode);
      const good = produceResult(
        await wire.call(produceRequest(TOPIC, 0, encodeBatch(three), { correlationId: 2 })),
      );
      assert.deepEqual(good, { errorCode: 0, baseOffset: expected }, 'the next good batch follows on');
      expected += 3;
      wire.close();
      assert.deepEqual(await readAll(), { highWatermark: expected, records: expected });
      await broker.close();
      await start();
      assert.deepEqual(await readAll(), { highWatermark: expected, records: expected }, 'after a restart');
    });
  }

  it('leaves a log every client reads to the end: kafkajs consumes every stored record', async () => {
    const kafka = client(broker.bootstrap);
    const consumer = kafka.consumer({ groupId: 'strict-reader', sessionTimeout: 6000, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    const offsets: number[] = [];
    let resolve!: () => void;
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    await consumer.run({
      eachMessage: async ({ message }) => {
        offsets.push(Number(message.offset));
        if (offsets.length === expected) resolve();
      },
    });
    await done;
    await consumer.disconnect();
    assert.deepEqual(
      offsets,
      Array.from({ length: expected }, (_, i) => i),
    );
  });

  it('sets a max timestamp that disagrees with the records (as Kafka does) and keeps the CRC valid', async () => {
    const batch = encodeBatch(three);
    batch.writeBigInt64BE(1n, 35);
    const { crc32c } = await import('../../src/protocol/crc32c.checksum.ts');
    batch.writeUInt32BE(crc32c(batch, 21), 17);
    const wire = await WireConnection.open(broker.port);
    const reply = produceResult(await wire.call(produceRequest(TOPIC, 0, batch)));
    assert.equal(reply.errorCode, 0);
    const stored = fetchResult(await wire.call(fetchRequest(TOPIC, 0, reply.baseOffset, 2))).batches.at(-1)!;
    wire.close();
    expected += 3;
    assert.equal(stored.readBigInt64BE(35), 1_700_000_000_009n);
    assert.equal(crc32c(stored, 21), stored.readUInt32BE(17));
  });
});
