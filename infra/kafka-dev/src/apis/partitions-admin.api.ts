import type { ApiDefinition } from '../protocol/api.types.ts';
import { ErrorCode } from '../protocol/error-code.enum.ts';
import { Writer } from '../protocol/response.writer.ts';
import type { BrokerContext } from '../server/broker.context.ts';
import { MAX_PARTITIONS } from './topics-admin.api.ts';

/** CreatePartitions v0–1: grows a topic; assignments, when given, must name this node once per new partition. */
export const createPartitionsApi: ApiDefinition<BrokerContext> = {
  key: 37,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 1,
  handle(context, _header, r) {
    const topics = r.array((r) => ({
      name: r.string(),
      count: r.int32(),
      assignments: r.nullableArray((r) => r.int32Array()),
    }));
    r.int32();
    const validateOnly = r.boolean();
    const seen = new Set<string>();
    const results = topics.map(({ name, count, assignments }): [string, number, string | null] => {
      const duplicate = seen.has(name);
      seen.add(name);
      if (duplicate) return [name, ErrorCode.INVALID_REQUEST, `Duplicate topic ${name} in the request`];
      const topic = context.topics.topics.get(name);
      if (!topic) return [name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`];
      const current = topic.partitions.length;
      if (count < current)
        return [
          name,
          ErrorCode.INVALID_PARTITIONS,
          `Topic currently has ${current} partitions, which is higher than the requested ${count}.`,
        ];
      if (count === current)
        return [name, ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`];
      if (count > MAX_PARTITIONS)
        return [
          name,
          ErrorCode.INVALID_PARTITIONS,
          `The development broker allows at most ${MAX_PARTITIONS} partitions per topic.`,
        ];
      if (assignments !== null) {
        if (assignments.length !== count - current)
          return [
            name,
            ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            `Increasing the number of partitions by ${count - current} but ${assignments.length} assignments provided.`,
          ];
        if (assignments.some((brokers) => brokers.length !== 1 || brokers[0] !== context.nodeId))
          return [
            name,
            ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            `Replica assignments must name exactly broker ${context.nodeId} (one node)`,
          ];
      }
      if (!validateOnly) {
        context.topics.addPartitions(topic, count);
        context.log(`topic ${name} now has ${count} partition(s)`);
      }
      return [name, ErrorCode.NONE, null];
    });
    const w = new Writer();
    w.int32(0);
    w.array(results, (w, [name, errorCode, message]) => w.string(name).int16(errorCode).string(message));
    return w.finish();
  },
};

/** DeleteRecords v0–1: moves a partition's log start forward; −1 = up to the high watermark. */
export const deleteRecordsApi: ApiDefinition<BrokerContext> = {
  key: 21,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 1,
  handle(context, _header, r) {
    const topics = r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({ index: r.int32(), offset: Number(r.int64()) })),
    }));
    r.int32();
    const w = new Writer();
    w.int32(0);
    w.array(topics, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, { index, offset }) => {
        const log = context.topics.topics.get(t.name)?.partitions[index];
        if (!log) {
          w.int32(index).int64(-1).int16(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          return;
        }
        const target = offset === -1 ? log.highWatermark : offset;
        if (target < 0 || target > log.highWatermark) {
          w.int32(index).int64(-1).int16(ErrorCode.OFFSET_OUT_OF_RANGE);
          return;
        }
        w.int32(index).int64(log.deleteRecordsBefore(target)).int16(ErrorCode.NONE);
      });
    });
    return w.finish();
  },
};
