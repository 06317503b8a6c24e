import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { decodeRecords, type RecordInfo } from '../protocol/batch-records.codec.ts';
import { ErrorCode } from '../protocol/error-code.enum.ts';
import {
  BATCH_HEADER_SIZE,
  batchIsValid,
  LOG_OVERHEAD,
  readBatchHeader,
} from '../protocol/record-batch.codec.ts';
import { readJson, writeJsonAtomic } from '../storage/json.file.ts';
import { ProducerState } from './producer.state.ts';
import { Segment } from './segment.log.ts';

/** Per-topic limits, as Kafka's topic configs of the same names. */
export interface LogConfig {
  /** `segment.bytes`: roll to a new segment file past this size. */
  readonly segmentBytes: number;
  /** `retention.ms`: delete whole segments whose newest record is older; −1 = keep. */
  readonly retentionMs: number;
  /** `retention.bytes`: per partition, delete the oldest segments beyond it; −1 = no limit. */
  readonly retentionBytes: number;
}

export type AppendResult =
  | { readonly errorCode: 0; readonly baseOffset: number; readonly appended: boolean }
  | { readonly errorCode: number; readonly baseOffset: -1; readonly appended: false };

/**
 * The log of one partition: segments of raw record batches, offsets assigned by rewriting each batch's
 * `baseOffset`, an in-memory index rebuilt from batch headers, a torn tail cut after a crash.
 */
export class PartitionLog {
  readonly producers = new ProducerState();
  readonly #segments: Segment[] = [];
  readonly #dir: string | null;
  config: LogConfig;
  nextOffset = 0;
  /** DeleteRecords: the log starts here even where older batches remain in the first segment. */
  #deletedBefore = 0;

  constructor(dir: string | null, config: LogConfig) {
    this.#dir = dir;
    this.config = config;
    if (dir !== null) {
      mkdirSync(dir, { recursive: true });
      this.#recover(dir);
      this.#deletedBefore = readJson<{ offset: number }>(join(dir, 'log-start.json'))?.offset ?? 0;
    }
    if (this.#segments.length === 0) this.#segments.push(new Segment(dir, 0));
  }

  get logStartOffset(): number {
    const first = this.#segments[0]!;
    return Math.min(
      Math.max(first.entries[0]?.baseOffset ?? first.baseOffset, this.#deletedBefore),
      this.nextOffset,
    );
  }

  /**
   * DeleteRecords: moves the log start to `offset` (never back, at most the high watermark), kept across
   * restarts; whole segments below it are removed, the active one stays.
   */
  deleteRecordsBefore(offset: number): number {
    if (offset > this.#deletedBefore) {
      this.#deletedBefore = offset;
      if (this.#dir !== null) writeJsonAtomic(join(this.#dir, 'log-start.json'), { offset });
    }
    while (this.#segments.length > 1 && this.#segments[0]!.lastOffset < this.#deletedBefore)
      this.#segments.shift()!.remove();
    return this.logStartOffset;
  }

  get highWatermark(): number {
    return this.nextOffset;
  }

  get sizeBytes(): number {
    return this.#segments.reduce((sum, segment) => sum + segment.size, 0);
  }

  #recover(dir: string): void {
    const names = readdirSync(dir)
      .filter((name) => /^\d{20}\.log$/.test(name))
      .sort();
    for (const [i, name] of names.entries()) {
      const segment = new Segment(dir, Number(name.slice(0, 20)));
      const last = i === names.length - 1;
      let position = 0;
      while (position + BATCH_HEADER_SIZE <= segment.size) {
        const head = segment.readRaw(position, BATCH_HEADER_SIZE);
        const size = LOG_OVERHEAD + head.readInt32BE(8);
        if (size < BATCH_HEADER_SIZE || position + size > segment.size) break;
        const bytes = last ? segment.readRaw(position, size) : head;
        if (last && !batchIsValid(bytes)) break;
        const header = readBatchHeader(head);
        const baseOffset = Number(header.baseOffset);
        const lastOffset = baseOffset + header.lastOffsetDelta;
        segment.index({ baseOffset, lastOffset, position, size, maxTimestamp: Number(header.maxTimestamp) });
        this.producers.record(
          header.producerId,
          header.producerEpoch,
          header.baseSequence,
          header.recordCount,
          baseOffset,
        );
        this.nextOffset = lastOffset + 1;
        position += size;
      }
      if (position < segment.size) segment.truncate(position);
      if (segment.entries.length === 0 && !last) segment.remove();
      else this.#segments.push(segment);
      if (segment.entries.length === 0 && last)
        this.nextOffset = Math.max(this.nextOffset, segment.baseOffset);
    }
  }

  /** Appends one validated batch; idempotent producers get sequence checks and duplicate detection. */
  append(batch: Buffer, now: number): AppendResult {
    const header = readBatchHeader(batch);
    const check = this.producers.check(header.producerId, header.producerEpoch, header.baseSequence);
    if (check.kind === 'error') return { errorCode: check.errorCode, baseOffset: -1, appended: false };
    if (check.kind === 'duplicate')
      return { errorCode: ErrorCode.NONE, baseOffset: check.baseOffset, appended: false };
    let active = this.#segments.at(-1)!;
    if (active.size > 0 && active.size + batch.length > this.config.segmentBytes) {
      active = new Segment(this.#dir, this.nextOffset);
      this.#segments.push(active);
    }
    const baseOffset = this.nextOffset;
    const lastOffset = baseOffset + header.lastOffsetDelta;
    batch.writeBigInt64BE(BigInt(baseOffset), 0);
    batch.writeInt32BE(0, 12);
    const timestamp = header.maxTimestamp >= 0n ? Number(header.maxTimestamp) : now;
    active.append(batch, baseOffset, lastOffset, timestamp);
    this.producers.record(
      header.producerId,
      header.producerEpoch,
      header.baseSequence,
      header.recordCount,
      baseOffset,
    );
    this.nextOffset = lastOffset + 1;
    return { errorCode: ErrorCode.NONE, baseOffset, appended: true };
  }

  /** Whole batches from the one holding `offset`: at least one even above `maxBytes` (KIP-74). */
  read(offset: number, maxBytes: number): Buffer[] {
    const out: Buffer[] = [];
    let total = 0;
    for (const segment of this.#segments) {
      if (segment.lastOffset < offset) continue;
      for (let i = segment.find(offset); i < segment.entries.length; i++) {
        const entry = segment.entries[i]!;
        if (out.length > 0 && total + entry.size > maxBytes) return out;
        out.push(segment.read(i));
        total += entry.size;
      }
    }
    return out;
  }

  /**
   * Offset and timestamp of the first record stamped at or after `timestamp` (Kafka's ListOffsets by time):
   * the first batch whose max timestamp reaches it is found from the index, then its records are read.
   * −1 / −1 when none.
   */
  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } {
    for (const segment of this.#segments) {
      if (segment.maxTimestamp < timestamp) continue;
      const index = segment.entries.findIndex((e) => e.maxTimestamp >= timestamp);
      if (index < 0) continue;
      const entry = segment.entries[index]!;
      let records: RecordInfo[];
      try {
        records = decodeRecords(segment.read(index));
      } catch {
        return { offset: entry.baseOffset, timestamp: entry.maxTimestamp };
      }
      const record = records.find((r) => r.timestamp >= timestamp);
      if (record) return { offset: entry.baseOffset + record.offsetDelta, timestamp: record.timestamp };
      return { offset: entry.baseOffset, timestamp: entry.maxTimestamp };
    }
    return { offset: -1, timestamp: -1 };
  }

  /** Flushes every segment written since the last sync. */
  async sync(): Promise<void> {
    await Promise.all(this.#segments.map((segment) => segment.sync()));
  }

  /** Deletes whole old segments (never the active one) beyond `retention.ms` / `retention.bytes`. */
  applyRetention(now: number): number {
    let removed = 0;
    while (this.#segments.length > 1) {
      const oldest = this.#segments[0]!;
      const tooOld =
        this.config.retentionMs >= 0 &&
        oldest.maxTimestamp >= 0 &&
        now - oldest.maxTimestamp > this.config.retentionMs;
      const tooBig =
        this.config.retentionBytes >= 0 && this.sizeBytes - oldest.size >= this.config.retentionBytes;
      if (!tooOld && !tooBig) break;
      oldest.remove();
      this.#segments.shift();
      removed++;
    }
    return removed;
  }

  close(): void {
    for (const segment of this.#segments) segment.close();
  }

  remove(): void {
    for (const segment of this.#segments) segment.remove();
    if (this.#dir !== null) rmSync(this.#dir, { recursive: true, force: true });
  }
}
