import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import { crc32c } from '../src/protocol/crc32c.checksum.ts';
import { Writer } from '../src/protocol/response.writer.ts';
import { client, FAST_CONSUMER, testBroker } from './support/broker.ts';
import { prng } from './support/prng.ts';

function request(apiKey: number, version: number, body: (w: Writer) => void): Buffer {
  const w = new Writer().int32(0).int16(apiKey).int16(version).int32(7).string('fuzz');
  body(w);
  const frame = w.finish();
  frame.writeInt32BE(frame.length - 4, 0);
  return Buffer.from(frame);
}

function batch(): Buffer {
  const b = Buffer.alloc(61 + 8);
  b.writeInt32BE(b.length - 12, 8);
  b.writeInt8(2, 16);
  b.writeBigInt64BE(-1n, 43);
  b.writeInt16BE(-1, 51);
  b.writeInt32BE(-1, 53);
  b.writeInt32BE(1, 57);
  b.writeUInt32BE(crc32c(b, 21), 17);
  return b;
}

/** Valid requests of several APIs, the seeds that mutations start from. */
const SEEDS = [
  request(18, 0, () => {}),
  request(18, 3, (w) => w.unsignedVarint(0).unsignedVarint(0).unsignedVarint(0)),
  request(3, 1, (w) => w.array(['fuzz-topic'], (w, t) => w.string(t))),
  request(3, 4, (w) => w.array(null, (w) => w).boolean(false)),
  request(0, 3, (w) =>
    w
      .string(null)
      .int16(1)
      .int32(1000)
      .array(['fuzz-topic'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).bytes(batch()))),
  ),
  request(1, 4, (w) =>
    w
      .int32(-1)
      .int32(0)
      .int32(1)
      .int32(1000)
      .int8(0)
      .array(['fuzz-topic'], (w, t) => w.string(t).array([0], (w) => w.int32(0).int64(0).int32(1000))),
  ),
  request(2, 1, (w) =>
    w.int32(-1).array(['fuzz-topic'], (w, t) => w.string(t).array([0], (w) => w.int32(0).int64(-1))),
  ),
  request(10, 1, (w) => w.string('fuzz-group').int8(0)),
  request(12, 0, (w) => w.string('fuzz-group').int32(1).string('m')),
  request(9, 1, (w) =>
    w.string('fuzz-group').array(['fuzz-topic'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p))),
  ),
  request(15, 0, (w) => w.array(['fuzz-group'], (w, g) => w.string(g))),
];

function mutate(random: () => number): Buffer {
  const kind = random();
  if (kind < 0.25) {
    const out = Buffer.alloc(1 + Math.floor(random() * 200));
    for (let i = 0; i < out.length; i++) out[i] = Math.floor(random() * 256);
    return out;
  }
  const seed = Buffer.from(SEEDS[Math.floor(random() * SEEDS.length)]!);
  if (kind < 0.5) {
    for (let n = 1 + Math.floor(random() * 4); n > 0; n--)
      seed[4 + Math.floor(random() * (seed.length - 4))] = Math.floor(random() * 256);
    return seed;
  }
  if (kind < 0.65) return seed.subarray(0, Math.floor(random() * seed.length));
  if (kind < 0.8) {
    seed.writeInt32BE([0x7fffffff, -5, 3, 500_000_000, seed.length + 1000][Math.floor(random() * 5)]!, 0);
    return seed;
  }
  if (kind < 0.9) {
    seed.writeInt16BE(Math.floor(random() * 200) - 20, 4);
    return seed;
  }
  seed.writeInt16BE(Math.floor(random() * 60) - 10, 6);
  return seed;
}

/** Sends one frame on its own connection; resolves when the broker answers, closes, or 300 ms pass. */
function send(port: number, frame: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, 300);
    socket.on('error', done);
    socket.on('close', done);
    socket.on('data', done);
    socket.connect(port, '127.0.0.1', () => socket.end(frame));
  });
}

describe('fuzzing the wire protocol', { timeout: 180_000 }, () => {
  it('survives thousands of random and mutated frames, bounded in memory, and still serves a real client', async () => {
    const broker = await testBroker({ maxRequestBytes: 8 * 1024 * 1024 });
    const random = prng(20261122);
    const heapBefore = process.memoryUsage().heapUsed;
    const total = Number(process.env.FUZZ_FRAMES ?? 3000);
    let sent = 0;
    const worker = async () => {
      while (sent < total) {
        sent++;
        await send(broker.port, mutate(random));
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: 16 }, worker));
    if (process.env.KAFKA_DEV_VERBOSE)
      process.stderr.write(`fuzz: ${total} frames in ${Date.now() - started} ms\n`);
    const closedLines = broker.lines.filter((l) => l.startsWith('closing connection')).length;
    assert.ok(closedLines > total / 4, `bad frames closed their connections (${closedLines})`);
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    assert.ok(heapGrowth < 150 * 1024 * 1024, `heap grew by ${heapGrowth} bytes`);
    await waitFor(() => broker.context.metrics.connections.get().then((m) => m.values[0]?.value === 0), {
      description: 'all fuzz connections closed',
    });

    const kafka = client(broker.bootstrap);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'after-fuzz', messages: [{ value: 'still alive' }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'after-fuzz', ...FAST_CONSUMER });
    await consumer.connect();
    await consumer.subscribe({ topic: 'after-fuzz', fromBeginning: true });
    const got: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    await waitFor(() => got.length === 1, { description: 'consume after fuzz' });
    assert.deepEqual(got, ['still alive']);
    await consumer.disconnect();
    await broker.close();
  });

  it('answers an unsupported ApiVersions version in the v0 layout and closes on other unsupported versions', async () => {
    const broker = await testBroker();
    const reply = (frame: Buffer) =>
      new Promise<Buffer | 'closed'>((resolve) => {
        const socket = new Socket();
        let data = Buffer.alloc(0);
        socket.on('data', (c) => {
          data = Buffer.concat([data, c]);
          if (data.length >= 4 && data.length >= 4 + data.readInt32BE(0)) {
            socket.destroy();
            resolve(data);
          }
        });
        socket.on('close', () => resolve('closed'));
        socket.connect(broker.port, '127.0.0.1', () => socket.write(frame));
      });
    const answer = await reply(request(18, 9, () => {}));
    assert.ok(answer !== 'closed');
    assert.equal(answer.readInt32BE(4), 7);
    assert.equal(answer.readInt16BE(8), 35, 'UNSUPPORTED_VERSION first, v0 layout');
    assert.ok(answer.readInt32BE(10) >= 15, 'with the supported list');
    assert.equal(await reply(request(3, 7, (w) => w.array([], (w) => w).boolean(false))), 'closed');
    assert.equal(await reply(request(99, 0, () => {})), 'closed');
    assert.ok(broker.lines.some((l) => /unsupported Metadata version 7/.test(l)));
    assert.ok(broker.lines.some((l) => /unknown API key 99/.test(l)));
    await broker.close();
  });
});
