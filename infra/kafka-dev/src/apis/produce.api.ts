import type { PartitionLog } from '../log/partition.log.ts';
import type { ApiDefinition } from '../protocol/api.types.ts';
import { validateProducedBatch } from '../protocol/batch.validator.ts';
import { ErrorCode } from '../protocol/error-code.enum.ts';
import { Writer } from '../protocol/response.writer.ts';
import type { BrokerContext } from '../server/broker.context.ts';

interface PartitionResult {
  index: number;
  errorCode: number;
  baseOffset: number;
  logStartOffset: number;
}

/**
 * Produce v3–7 (record batches, magic 2). One batch per partition, validated as Kafka does
 * (`validateProducedBatch`) and appended as bytes; a rejected batch leaves the log untouched.
 * acks=−1 is answered only after the write is durable per the fsync policy; acks=0 gets no response.
 */
export const produceApi: ApiDefinition<BrokerContext> = {
  key: 0,
  name: 'Produce',
  minVersion: 3,
  maxVersion: 7,
  appliedBeforeAwait: true,
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
        const verdict = validateProducedBatch(records, {
          apiVersion: v,
          maxMessageBytes: topic.maxMessageBytes,
          compacted: topic.compacted,
        });
        if (verdict.errorCode !== ErrorCode.NONE || !('batch' in verdict)) {
          if ('message' in verdict) context.log(`rejected a batch for ${name}-${index}: ${verdict.message}`);
          return result(verdict.errorCode);
        }
        const outcome = log.append(verdict.batch, context.clock.now());
        if (outcome.errorCode !== ErrorCode.NONE) return result(outcome.errorCode);
        if (outcome.appended) {
          appended++;
          context.metrics.recordsIn(name, verdict.recordCount);
        }
        const first = outcome.baseOffset;
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
