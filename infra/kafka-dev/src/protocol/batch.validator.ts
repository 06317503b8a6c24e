import { decodeRecords, InvalidRecords } from './batch-records.codec.ts';
import { Codec, CompressionError } from './compression/index.ts';
import { crc32c } from './crc32c.checksum.ts';
import { ErrorCode } from './error-code.enum.ts';
import { BATCH_HEADER_SIZE, LOG_OVERHEAD } from './record-batch.codec.ts';

export interface BatchRules {
  /** Produce request version (zstd needs v7). */
  readonly apiVersion: number;
  /** The topic's `max.message.bytes`. */
  readonly maxMessageBytes: number;
  /** `cleanup.policy` includes `compact`: every record needs a key. */
  readonly compacted: boolean;
}

export type BatchVerdict =
  | { readonly errorCode: 0; readonly batch: Buffer; readonly recordCount: number }
  | { readonly errorCode: number; readonly message: string };

const ATTR_TIMESTAMP_TYPE = 0x08;
const ATTR_CONTROL = 0x20;

function reject(errorCode: number, message: string): BatchVerdict {
  return { errorCode, message };
}

/**
 * Validates one partition's records of a Produce v3+ request the way Kafka does before anything is
 * appended: exactly one whole magic-2 batch (INVALID_RECORD), no larger than `max.message.bytes`
 * (MESSAGE_TOO_LARGE), CRC-32C (CORRUPT_MESSAGE), an offset range that agrees with the record count,
 * no control batch, a sequence for idempotent batches, then every record decoded (decompressing first):
 * structure and count (INVALID_RECORD), keys on compacted topics, CreateTime only (INVALID_TIMESTAMP).
 * Kafka sets the batch's max timestamp from the records; so does this (and recomputes the CRC), so the
 * stored header can be trusted for ListOffsets.
 */
export function validateProducedBatch(records: Buffer | null, rules: BatchRules): BatchVerdict {
  if (!records || records.length < LOG_OVERHEAD)
    return reject(ErrorCode.INVALID_RECORD, 'produce requests v3+ need one record batch per partition');
  const length = records.readInt32BE(8);
  if (length < BATCH_HEADER_SIZE - LOG_OVERHEAD || records.length < LOG_OVERHEAD + 5)
    return reject(ErrorCode.CORRUPT_MESSAGE, `record batch size ${length} is below the header size`);
  if (records.readInt8(16) !== 2)
    return reject(ErrorCode.INVALID_RECORD, 'produce requests v3+ only allow record batches with magic 2');
  const size = LOG_OVERHEAD + length;
  if (size > records.length || records.length < BATCH_HEADER_SIZE)
    return reject(
      ErrorCode.CORRUPT_MESSAGE,
      `record batch of ${size} bytes is truncated to ${records.length}`,
    );
  if (size < records.length)
    return reject(
      ErrorCode.INVALID_RECORD,
      'produce requests v3+ allow exactly one record batch per partition',
    );
  const attributes = records.readInt16BE(21);
  const codec = attributes & 7;
  if (codec === Codec.ZSTD && rules.apiVersion < 7)
    return reject(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'zstd needs Produce v7');
  if (size > rules.maxMessageBytes)
    return reject(ErrorCode.MESSAGE_TOO_LARGE, `record batch of ${size} bytes exceeds max.message.bytes`);
  if (crc32c(records, 21, size) !== records.readUInt32BE(17))
    return reject(ErrorCode.CORRUPT_MESSAGE, 'record batch CRC-32C mismatch');
  const lastOffsetDelta = records.readInt32BE(23);
  const count = records.readInt32BE(57);
  if (lastOffsetDelta < 0)
    return reject(ErrorCode.INVALID_RECORD, `invalid offset range [0, ${lastOffsetDelta}]`);
  if (count <= 0) return reject(ErrorCode.INVALID_RECORD, `invalid reported record count ${count}`);
  if (count !== lastOffsetDelta + 1)
    return reject(
      ErrorCode.INVALID_RECORD,
      `offset range [0, ${lastOffsetDelta}] disagrees with ${count} records`,
    );
  if ((attributes & ATTR_CONTROL) !== 0)
    return reject(ErrorCode.INVALID_RECORD, 'clients are not allowed to write control records');
  if (records.readBigInt64BE(43) >= 0n && records.readInt32BE(53) < 0)
    return reject(ErrorCode.INVALID_RECORD, `invalid sequence number ${records.readInt32BE(53)}`);
  if (codec > Codec.ZSTD) return reject(ErrorCode.INVALID_RECORD, `unknown compression codec ${codec}`);
  if ((attributes & ATTR_TIMESTAMP_TYPE) !== 0)
    return reject(ErrorCode.INVALID_TIMESTAMP, 'producers must not set the LogAppendTime timestamp type');
  let decoded: ReturnType<typeof decodeRecords>;
  try {
    decoded = decodeRecords(records);
  } catch (error) {
    if (error instanceof CompressionError) return reject(ErrorCode.CORRUPT_MESSAGE, error.message);
    if (error instanceof InvalidRecords) return reject(ErrorCode.INVALID_RECORD, error.message);
    throw error;
  }
  let maxTimestamp = -1;
  for (const [i, record] of decoded.entries()) {
    if (record.offsetDelta !== i)
      return reject(ErrorCode.INVALID_RECORD, `record ${i} has offset delta ${record.offsetDelta}`);
    if (rules.compacted && !record.hasKey)
      return reject(ErrorCode.INVALID_RECORD, 'compacted topic cannot accept a record without key');
    if (record.timestamp > maxTimestamp) maxTimestamp = record.timestamp;
  }
  if (BigInt(maxTimestamp) !== records.readBigInt64BE(35)) {
    records.writeBigInt64BE(BigInt(maxTimestamp), 35);
    records.writeUInt32BE(crc32c(records, 21, size), 17);
  }
  return { errorCode: ErrorCode.NONE, batch: records, recordCount: count };
}
