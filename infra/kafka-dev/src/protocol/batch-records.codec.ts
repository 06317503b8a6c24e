import { isUtf8 } from 'node:buffer';
import { Codec, CompressionError, decompress } from './compression/index.ts';
import { BATCH_HEADER_SIZE } from './record-batch.codec.ts';

/** What the broker needs from one record of a batch. */
export interface RecordInfo {
  readonly offsetDelta: number;
  readonly timestamp: number;
  readonly hasKey: boolean;
}

/** A records section that does not parse as `count` records (Kafka: InvalidRecordException). */
export class InvalidRecords extends Error {}

/** Largest records section a compressed batch may inflate to. */
export const MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;

/** Reads varints (zigzag) from a records section; any overrun is an InvalidRecords. */
class VarintReader {
  at: number;
  readonly buffer: Buffer;
  constructor(buffer: Buffer, at: number) {
    this.buffer = buffer;
    this.at = at;
  }

  /** A zigzag varlong as a number (exact up to 2^53; enough for lengths and time deltas). */
  varlong(maxBytes = 10): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < maxBytes; i++) {
      if (this.at >= this.buffer.length) throw new InvalidRecords('truncated varint');
      const byte = this.buffer[this.at++]!;
      value += (byte & 0x7f) * scale;
      scale *= 128;
      if ((byte & 0x80) === 0) return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    }
    throw new InvalidRecords('varint too long');
  }

  varint(): number {
    return this.varlong(5);
  }

  skip(n: number): void {
    if (n < 0 || this.at + n > this.buffer.length) throw new InvalidRecords('record field beyond its record');
    this.at += n;
  }
}

/**
 * Decodes the records of one magic-2 batch (decompressing them first), checking the structure as Kafka's
 * record reader does: every length within its record, each record exactly as long as it says, exactly
 * `count` records and no bytes after them; header keys must be UTF-8 (Kafka's Java reader would substitute).
 */
export function decodeRecords(batch: Buffer): RecordInfo[] {
  const codec = batch.readInt16BE(21) & 7;
  const count = batch.readInt32BE(57);
  const baseTimestamp = Number(batch.readBigInt64BE(27));
  let payload = batch.subarray(BATCH_HEADER_SIZE);
  if (codec !== Codec.NONE) {
    try {
      payload = decompress(codec, payload, MAX_UNCOMPRESSED_BYTES);
    } catch (error) {
      if (error instanceof CompressionError) throw error;
      throw new CompressionError(String(error));
    }
  }
  const r = new VarintReader(payload, 0);
  const out: RecordInfo[] = [];
  for (let i = 0; i < count; i++) {
    if (r.at >= payload.length) throw new InvalidRecords(`batch declares ${count} records, holds ${i}`);
    const size = r.varint();
    if (size <= 0) throw new InvalidRecords(`invalid record size ${size}`);
    const start = r.at;
    const end = start + size;
    if (end > payload.length) throw new InvalidRecords(`record ${i} runs past the batch`);
    const record = new VarintReader(payload.subarray(0, end), start);
    if (record.at >= end) throw new InvalidRecords('truncated record');
    record.at++; // attributes (unused in v2)
    const timestampDelta = record.varlong();
    const offsetDelta = record.varint();
    const keyLength = record.varint();
    if (keyLength >= 0) record.skip(keyLength);
    const valueLength = record.varint();
    if (valueLength >= 0) record.skip(valueLength);
    const headers = record.varint();
    if (headers < 0) throw new InvalidRecords(`invalid number of record headers ${headers}`);
    for (let h = 0; h < headers; h++) {
      const keySize = record.varint();
      if (keySize < 0) throw new InvalidRecords('negative header key size');
      const keyAt = record.at;
      record.skip(keySize);
      // a header key is a string: Java decodes bad UTF-8 leniently, but other clients (kafka-python) cannot read it
      if (!isUtf8(payload.subarray(keyAt, keyAt + keySize)))
        throw new InvalidRecords('header key is not UTF-8');
      const valueSize = record.varint();
      if (valueSize >= 0) record.skip(valueSize);
    }
    if (record.at !== end)
      throw new InvalidRecords(`record ${i}: expected ${size} bytes, read ${record.at - start}`);
    r.at = end;
    out.push({ offsetDelta, timestamp: baseTimestamp + timestampDelta, hasKey: keyLength >= 0 });
  }
  if (r.at !== payload.length)
    throw new InvalidRecords('incorrect declared batch size, records still remaining');
  return out;
}
