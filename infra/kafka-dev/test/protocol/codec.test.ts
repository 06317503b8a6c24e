import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32c } from '../../src/protocol/crc32c.checksum.ts';
import { batchIsValid, splitBatches } from '../../src/protocol/record-batch.codec.ts';
import { ProtocolError, Reader } from '../../src/protocol/request.reader.ts';
import { Writer } from '../../src/protocol/response.writer.ts';
import { FrameReader } from '../../src/server/frame.reader.ts';

describe('crc32c', () => {
  it('matches the standard check values', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(32)), 0x8a9136aa);
    assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  });
});

describe('Reader and Writer', () => {
  it('round-trip classic and compact types', () => {
    const w = new Writer(4);
    w.int8(-3)
      .int16(-300)
      .int32(70000)
      .int64(2n ** 40n)
      .boolean(true)
      .string('héllo')
      .string(null)
      .bytes(Buffer.from([1, 2]));
    w.array([1, 2, 3], (w, x) => w.int32(x))
      .array(null, (w) => w)
      .unsignedVarint(300);
    const r = new Reader(w.finish());
    assert.equal(r.int8(), -3);
    assert.equal(r.int16(), -300);
    assert.equal(r.int32(), 70000);
    assert.equal(r.int64(), 2n ** 40n);
    assert.equal(r.boolean(), true);
    assert.equal(r.string(), 'héllo');
    assert.equal(r.nullableString(), null);
    assert.deepEqual([...r.bytes()], [1, 2]);
    assert.deepEqual(r.int32Array(), [1, 2, 3]);
    assert.equal(
      r.nullableArray((r) => r.int32()),
      null,
    );
    assert.equal(r.unsignedVarint(), 300);
    assert.equal(r.remaining, 0);
  });

  it('rejects truncated input and absurd lengths with a ProtocolError', () => {
    assert.throws(() => new Reader(Buffer.from([0, 5, 65])).string(), ProtocolError);
    assert.throws(
      () => new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff])).array((r) => r.int8()),
      ProtocolError,
    );
    assert.throws(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xf0])).nullableBytes(), ProtocolError);
    assert.throws(
      () => new Reader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80])).unsignedVarint(),
      ProtocolError,
    );
  });
});

function batch(records: number, payload = 10): Buffer {
  const b = Buffer.alloc(61 + payload);
  b.writeInt32BE(b.length - 12, 8);
  b.writeInt8(2, 16);
  b.writeInt32BE(records - 1, 23);
  b.writeBigInt64BE(-1n, 43);
  b.writeInt16BE(-1, 51);
  b.writeInt32BE(-1, 53);
  b.writeInt32BE(records, 57);
  b.writeUInt32BE(crc32c(b, 21), 17);
  return b;
}

describe('record batches', () => {
  it('accepts whole batches with a valid CRC-32C and splits a record set', () => {
    const set = Buffer.concat([batch(2), batch(3, 40)]);
    const parts = splitBatches(set);
    assert.equal(parts?.length, 2);
    assert.equal(parts?.[1]?.length, 101);
  });

  it('rejects a flipped bit, a wrong magic and a truncated batch', () => {
    const flipped = batch(1);
    flipped[70]! ^= 1;
    assert.equal(batchIsValid(flipped), false);
    const magic = batch(1);
    magic.writeInt8(1, 16);
    assert.equal(batchIsValid(magic), false);
    assert.equal(splitBatches(batch(1).subarray(0, 65)), null);
  });
});

describe('FrameReader', () => {
  const frame = (payload: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, payload.length]), payload]);

  it('reassembles frames fed one byte at a time', () => {
    const reader = new FrameReader(1000);
    const input = Buffer.concat([frame(Buffer.alloc(12, 1)), frame(Buffer.alloc(20, 2))]);
    const out: Buffer[] = [];
    for (const byte of input) out.push(...reader.push(Buffer.from([byte])));
    assert.deepEqual(
      out.map((f) => [f.length, f[0]]),
      [
        [12, 1],
        [20, 2],
      ],
    );
  });

  it('splits several frames coalesced in one chunk', () => {
    const reader = new FrameReader(1000);
    const out = reader.push(
      Buffer.concat([frame(Buffer.alloc(10)), frame(Buffer.alloc(11)), frame(Buffer.alloc(12))]),
    );
    assert.deepEqual(
      out.map((f) => f.length),
      [10, 11, 12],
    );
  });

  it('throws on an oversize or undersize length before buffering the body', () => {
    assert.throws(() => new FrameReader(1000).push(Buffer.from([0, 0, 0x10, 0])), /bad frame size 4096/);
    assert.throws(
      () => new FrameReader(1000).push(Buffer.from([0xff, 0xff, 0xff, 0xff])),
      /bad frame size -1/,
    );
  });
});
