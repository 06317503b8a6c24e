import { once } from 'node:events';
import { Socket } from 'node:net';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { xxhash32 } from '../../src/protocol/compression/xxhash32.hash.ts';
import { crc32c } from '../../src/protocol/crc32c.checksum.ts';
import { Writer } from '../../src/protocol/response.writer.ts';

/** One request frame (header v1) with a body written by `body`. */
export function frame(
  apiKey: number,
  version: number,
  correlationId: number,
  body: (w: Writer) => void,
): Buffer {
  const w = new Writer().int32(0).int16(apiKey).int16(version).int32(correlationId).string('wire-test');
  body(w);
  const out = Buffer.from(w.finish());
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

/** A raw connection: writes bytes, collects response frames in arrival order, tells when the broker closed. */
export class WireConnection {
  readonly socket = new Socket();
  readonly frames: Buffer[] = [];
  closed = false;
  #buffered = Buffer.alloc(0);
  readonly #listeners = new Set<() => void>();

  static async open(port: number): Promise<WireConnection> {
    const wire = new WireConnection();
    wire.socket.on('data', (chunk: Buffer) => {
      wire.#buffered = Buffer.concat([wire.#buffered, chunk]);
      while (wire.#buffered.length >= 4 && wire.#buffered.length >= 4 + wire.#buffered.readInt32BE(0)) {
        const size = wire.#buffered.readInt32BE(0);
        wire.frames.push(wire.#buffered.subarray(4, 4 + size));
        wire.#buffered = wire.#buffered.subarray(4 + size);
      }
      wire.#notify();
    });
    wire.socket.on('error', () => {});
    wire.socket.on('close', () => {
      wire.closed = true;
      wire.#notify();
    });
    wire.socket.connect(port, '127.0.0.1');
    await once(wire.socket, 'connect');
    return wire;
  }

  #notify() {
    for (const listener of [...this.#listeners]) listener();
  }

  write(...frames: Buffer[]): void {
    this.socket.write(Buffer.concat(frames));
  }

  /** Resolves once `count` response frames arrived or the connection closed. */
  until(count: number): Promise<Buffer[]> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.frames.length >= count || this.closed) {
          this.#listeners.delete(check);
          resolve(this.frames.slice(0, count));
        }
      };
      this.#listeners.add(check);
      check();
    });
  }

  /** Sends one request and returns its response body (after the correlation id). */
  async call(request: Buffer): Promise<Buffer> {
    const expected = this.frames.length + 1;
    this.write(request);
    const frames = await this.until(expected);
    const reply = frames[expected - 1];
    if (!reply) throw new Error('connection closed before the answer');
    return reply.subarray(4);
  }

  close(): void {
    this.socket.destroy();
  }
}

function zigzag(w: Writer, value: number): Writer {
  return w.unsignedVarint(value >= 0 ? value * 2 : -value * 2 - 1);
}

export interface TestRecord {
  readonly key?: string | null;
  readonly value?: string | null;
  readonly timestampDelta?: number;
  readonly offsetDelta?: number;
  readonly headers?: readonly [string, string][];
}

/** The records section of a magic-2 batch, uncompressed. */
export function encodeRecords(records: readonly TestRecord[]): Buffer {
  const out = new Writer();
  for (const [i, record] of records.entries()) {
    const body = new Writer().int8(0);
    zigzag(body, record.timestampDelta ?? 0);
    zigzag(body, record.offsetDelta ?? i);
    for (const field of [record.key ?? null, record.value === undefined ? 'v' : record.value]) {
      if (field === null) zigzag(body, -1);
      else {
        zigzag(body, Buffer.byteLength(field));
        body.raw(Buffer.from(field));
      }
    }
    const headers = record.headers ?? [];
    zigzag(body, headers.length);
    for (const [key, value] of headers) {
      zigzag(body, Buffer.byteLength(key)).raw(Buffer.from(key));
      zigzag(body, Buffer.byteLength(value)).raw(Buffer.from(value));
    }
    const bytes = body.finish();
    zigzag(out, bytes.length).raw(bytes);
  }
  return Buffer.from(out.finish());
}

/** Raw snappy with literals only: valid input for any snappy decoder. */
export function snappyLiterals(data: Buffer): Buffer {
  const w = new Writer().unsignedVarint(data.length);
  for (let at = 0; at < data.length; at += 60) {
    const part = data.subarray(at, at + 60);
    w.raw(Buffer.from([(part.length - 1) << 2])).raw(part);
  }
  return Buffer.from(w.finish());
}

/** An LZ4 frame holding one stored (uncompressed) block, with a content checksum. */
export function lz4Stored(data: Buffer): Buffer {
  const descriptor = Buffer.from([0x64, 0x40]);
  const head = Buffer.from([0x04, 0x22, 0x4d, 0x18, ...descriptor, (xxhash32(descriptor) >>> 8) & 0xff]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE((data.length | 0x80000000) >>> 0);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32LE(xxhash32(data));
  return Buffer.concat([head, size, data, Buffer.alloc(4), checksum]);
}

export const CODECS = {
  none: [0, (b: Buffer) => b],
  gzip: [1, (b: Buffer) => gzipSync(b)],
  snappy: [2, snappyLiterals],
  lz4: [3, lz4Stored],
  zstd: [4, (b: Buffer) => zstdCompressSync(b)],
} as const;

export interface BatchOptions {
  readonly baseTimestamp?: number;
  readonly codec?: keyof typeof CODECS;
  /** Overrides of header fields after the records are laid out (before the CRC, unless `crc` is given). */
  readonly lastOffsetDelta?: number;
  readonly count?: number;
  readonly attributes?: number;
  readonly producerId?: bigint;
  readonly baseSequence?: number;
  readonly payload?: Buffer;
  readonly crc?: number;
}

/** A magic-2 record batch as a producer sends it (base offset 0, CRC-32C set). */
export function encodeBatch(records: readonly TestRecord[], options: BatchOptions = {}): Buffer {
  const [codec, compress] = CODECS[options.codec ?? 'none'];
  const payload = options.payload ?? compress(encodeRecords(records));
  const b = Buffer.alloc(61 + payload.length);
  b.writeBigInt64BE(0n, 0);
  b.writeInt32BE(b.length - 12, 8);
  b.writeInt32BE(-1, 12);
  b.writeInt8(2, 16);
  b.writeInt16BE(options.attributes ?? codec, 21);
  b.writeInt32BE(options.lastOffsetDelta ?? records.length - 1, 23);
  const base = options.baseTimestamp ?? 1_700_000_000_000;
  const deltas = records.map((r) => r.timestampDelta ?? 0);
  b.writeBigInt64BE(BigInt(base), 27);
  b.writeBigInt64BE(BigInt(base + Math.max(0, ...deltas)), 35);
  b.writeBigInt64BE(options.producerId ?? -1n, 43);
  b.writeInt16BE(-1, 51);
  b.writeInt32BE(options.baseSequence ?? -1, 53);
  b.writeInt32BE(options.count ?? records.length, 57);
  payload.copy(b, 61);
  b.writeUInt32BE(options.crc ?? crc32c(b, 21), 17);
  return b;
}

/** A Produce request (acks −1) carrying `records` for one partition. */
export function produceRequest(
  topic: string,
  partition: number,
  records: Buffer | null,
  { version = 7, correlationId = 1 } = {},
): Buffer {
  return frame(0, version, correlationId, (w) =>
    w
      .string(null)
      .int16(-1)
      .int32(5000)
      .array([topic], (w, t) => w.string(t).array([partition], (w, p) => w.int32(p).bytes(records))),
  );
}

/** Reads the one partition's error code and base offset out of a Produce v3+ response body. */
export function produceResult(body: Buffer): { errorCode: number; baseOffset: number } {
  // topics[1] { name, partitions[1] { index, error_code, base_offset, ... } }
  const nameLength = body.readInt16BE(4);
  const at = 4 + 2 + nameLength + 4 + 4;
  return { errorCode: body.readInt16BE(at), baseOffset: Number(body.readBigInt64BE(at + 2)) };
}

/** A Fetch v4 request (max_wait 0) for one partition from `offset`. */
export function fetchRequest(topic: string, partition: number, offset: number, correlationId = 1): Buffer {
  return frame(1, 4, correlationId, (w) =>
    w
      .int32(-1)
      .int32(0)
      .int32(0)
      .int32(64 << 20)
      .int8(0)
      .array([topic], (w, t) =>
        w.string(t).array([partition], (w, p) =>
          w
            .int32(p)
            .int64(offset)
            .int32(64 << 20),
        ),
      ),
  );
}

/** The error code, high watermark and batches of a Fetch v4 response for one partition. */
export function fetchResult(body: Buffer): { errorCode: number; highWatermark: number; batches: Buffer[] } {
  let at = 4 + 4;
  at += 2 + body.readInt16BE(at);
  at += 4 + 4;
  const errorCode = body.readInt16BE(at);
  const highWatermark = Number(body.readBigInt64BE(at + 2));
  at += 2 + 8 + 8;
  const aborted = body.readInt32BE(at);
  at += 4 + Math.max(0, aborted) * 16;
  const size = body.readInt32BE(at);
  at += 4;
  const records = body.subarray(at, at + Math.max(0, size));
  const batches: Buffer[] = [];
  for (let i = 0; i + 12 <= records.length; ) {
    const length = 12 + records.readInt32BE(i + 8);
    batches.push(records.subarray(i, i + length));
    i += length;
  }
  return { errorCode, highWatermark, batches };
}
