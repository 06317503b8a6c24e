import { ErrorCode } from '../protocol/error-code.enum.ts';

interface RecentBatch {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly baseOffset: number;
}

interface ProducerEntry {
  epoch: number;
  lastSeq: number;
  recent: RecentBatch[];
}

const MAX_RECENT = 5;
const INT32_MAX = 2 ** 31 - 1;

export type SequenceCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly baseOffset: number }
  | { readonly kind: 'error'; readonly errorCode: number };

/**
 * Idempotent producer state of one partition: per producer id, its epoch and the last sequences written
 * (the last 5 batches, as Kafka keeps), rebuilt from batch headers when the partition opens.
 */
export class ProducerState {
  readonly #producers = new Map<bigint, ProducerEntry>();

  check(producerId: bigint, epoch: number, firstSeq: number): SequenceCheck {
    if (producerId < 0n) return { kind: 'append' };
    const entry = this.#producers.get(producerId);
    if (entry === undefined || epoch > entry.epoch) {
      return firstSeq === 0
        ? { kind: 'append' }
        : { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER };
    }
    if (epoch < entry.epoch) return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH };
    const duplicate = entry.recent.find((batch) => batch.firstSeq === firstSeq);
    if (duplicate) return { kind: 'duplicate', baseOffset: duplicate.baseOffset };
    const expected = entry.lastSeq === INT32_MAX ? 0 : entry.lastSeq + 1;
    if (firstSeq !== expected) return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER };
    return { kind: 'append' };
  }

  record(producerId: bigint, epoch: number, firstSeq: number, count: number, baseOffset: number): void {
    if (producerId < 0n) return;
    let entry = this.#producers.get(producerId);
    if (entry === undefined || epoch !== entry.epoch) {
      entry = { epoch, lastSeq: -1, recent: [] };
      this.#producers.set(producerId, entry);
    }
    const lastSeq = (firstSeq + count - 1) % (INT32_MAX + 1);
    entry.lastSeq = lastSeq;
    entry.recent.push({ firstSeq, lastSeq, baseOffset });
    if (entry.recent.length > MAX_RECENT) entry.recent.shift();
  }

  /** Highest producer id seen, so that ids handed out after a restart never collide. */
  maxProducerId(): bigint {
    let max = -1n;
    for (const id of this.#producers.keys()) if (id > max) max = id;
    return max;
  }
}
