import { crc32c } from './crc32c.checksum.ts';

/** Size of the fixed record batch header (magic 2), up to and including the record count. */
export const BATCH_HEADER_SIZE = 61;
/** Bytes before `batchLength` counts: baseOffset (8) + batchLength (4). */
export const LOG_OVERHEAD = 12;

/** What the broker reads from a batch header; records themselves stay opaque bytes. */
export interface BatchHeader {
  readonly baseOffset: bigint;
  readonly batchLength: number;
  readonly magic: number;
  readonly crc: number;
  readonly attributes: number;
  readonly lastOffsetDelta: number;
  readonly baseTimestamp: bigint;
  readonly maxTimestamp: bigint;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordCount: number;
}

export function readBatchHeader(buffer: Buffer, at = 0): BatchHeader {
  return {
    baseOffset: buffer.readBigInt64BE(at),
    batchLength: buffer.readInt32BE(at + 8),
    magic: buffer.readInt8(at + 16),
    crc: buffer.readUInt32BE(at + 17),
    attributes: buffer.readInt16BE(at + 21),
    lastOffsetDelta: buffer.readInt32BE(at + 23),
    baseTimestamp: buffer.readBigInt64BE(at + 27),
    maxTimestamp: buffer.readBigInt64BE(at + 35),
    producerId: buffer.readBigInt64BE(at + 43),
    producerEpoch: buffer.readInt16BE(at + 51),
    baseSequence: buffer.readInt32BE(at + 53),
    recordCount: buffer.readInt32BE(at + 57),
  };
}

/** Whether the batch at `at` is whole, magic 2 and its CRC-32C matches. */
export function batchIsValid(buffer: Buffer, at = 0): boolean {
  if (buffer.length - at < BATCH_HEADER_SIZE) return false;
  const length = buffer.readInt32BE(at + 8);
  if (length < BATCH_HEADER_SIZE - LOG_OVERHEAD || at + LOG_OVERHEAD + length > buffer.length) return false;
  if (buffer.readInt8(at + 16) !== 2) return false;
  return crc32c(buffer, at + 21, at + LOG_OVERHEAD + length) === buffer.readUInt32BE(at + 17);
}

/**
 * Splits a produce request's record set into batches, validating each (magic 2, length, CRC-32C).
 * Returns null when anything is wrong: the partition then answers CORRUPT_MESSAGE.
 */
export function splitBatches(records: Buffer): Buffer[] | null {
  const out: Buffer[] = [];
  let at = 0;
  while (at < records.length) {
    if (!batchIsValid(records, at)) return null;
    const size = LOG_OVERHEAD + records.readInt32BE(at + 8);
    out.push(records.subarray(at, at + size));
    at += size;
  }
  return out.length > 0 ? out : null;
}
