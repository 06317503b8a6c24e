import type { PartitionLog } from '../../log/partition-log.ts';
import type { BrokerContext } from '../../server/broker-context.ts';
import type { ApiDefinition } from '../api.ts';
import { ErrorCode } from '../errors.ts';
import { splitBatches } from '../record-batch.ts';
import { Writer } from '../writer.ts';

interface PartitionResult {
  index: number;
  errorCode: number;
  baseOffset: number;
  logStartOffset: number;
}

/**
 * Produce v3–7 (record batches, magic 2). Batches are validated (CRC-32C, size) and appended as bytes.
 * acks=−1 is answered only after the write is durable per the fsync policy; acks=0 gets no response.
 */
export const produceApi: ApiDefinition<BrokerContext> = {
  key: 0,
  name: 'Produce',
  minVersion: 3,
  maxVersion: 7,
  async handle(context, { apiVersion: v }, r) {
    const transactionalId = r.nullableString();
    const acks = r.int16();
    r.int32();
    const topics = r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({ index: r.int32(), records: r.nullableBytes() })),
    }));
    const toSync = new Set<PartitionLog>();
    let appended = 0;
    const results = topics.map(({ name, partitions }) => ({
      name,
      partitions: partitions.map(({ index, records }): PartitionResult => {
        const result = (errorCode: number, baseOffset = -1, logStartOffset = -1) => ({
          index,
          errorCode,
          baseOffset,
          logStartOffset,
        });
        if (acks !== 0 && acks !== 1 && acks !== -1) return result(ErrorCode.INVALID_REQUIRED_ACKS);
        if (transactionalId !== null) return result(ErrorCode.INVALID_REQUEST);
        const topic = context.topics.topics.get(name);
        const log = topic?.partitions[index];
        if (!topic || !log) return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        const batches = records ? splitBatches(records) : null;
        if (!batches) return result(ErrorCode.CORRUPT_MESSAGE);
        if (batches.some((batch) => batch.length > topic.maxMessageBytes))
          return result(ErrorCode.MESSAGE_TOO_LARGE);
        let first = -1;
        for (const batch of batches) {
          const outcome = log.append(batch, context.clock.now());
          if (outcome.errorCode !== ErrorCode.NONE) return result(outcome.errorCode);
          if (first < 0) first = outcome.baseOffset;
          if (outcome.appended) {
            appended++;
            context.metrics.recordsIn(name, batch.readInt32BE(57));
          }
        }
        toSync.add(log);
        return result(ErrorCode.NONE, first, log.logStartOffset);
      }),
    }));
    if (appended > 0) context.notifyData();
    if (context.fsync === 'always' || (context.fsync === 'acks-all' && acks === -1)) {
      await Promise.all([...toSync].map((log) => context.sync(log)));
    }
    if (acks === 0) return null;
    const w = new Writer();
    w.array(results, (w, topic) => {
      w.string(topic.name);
      w.array(topic.partitions, (w, p) => {
        w.int32(p.index).int16(p.errorCode).int64(p.baseOffset).int64(-1);
        if (v >= 5) w.int64(p.logStartOffset);
      });
    });
    w.int32(0);
    return w.finish();
  },
};
