import type { ApiDefinition } from '../protocol/api.types.ts';
import { ErrorCode } from '../protocol/error-code.enum.ts';
import { Writer } from '../protocol/response.writer.ts';
import type { BrokerContext } from '../server/broker.context.ts';
import { invalidConfig, invalidTopicName } from '../storage/topic.store.ts';

/** A one-node development broker keeps every partition open: cap them. */
export const MAX_PARTITIONS = 1000;

interface Outcome {
  name: string;
  errorCode: number;
  message: string | null;
}

/** CreateTopics v0–3: as strict as Kafka on one node (replication factor > 1 is refused). */
export const createTopicsApi: ApiDefinition<BrokerContext> = {
  key: 19,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 3,
  handle(context, { apiVersion: v }, r) {
    const topics = r.array((r) => ({
      name: r.string(),
      partitions: r.int32(),
      replicationFactor: r.int16(),
      assignments: r.array((r) => ({ partition: r.int32(), brokers: r.int32Array() })),
      configs: r.array((r) => [r.string(), r.nullableString()] as const),
    }));
    r.int32();
    const validateOnly = v >= 1 ? r.boolean() : false;
    const seen = new Set<string>();
    const outcomes = topics.map(({ name, partitions, replicationFactor, assignments, configs }): Outcome => {
      const fail = (errorCode: number, message: string): Outcome => ({ name, errorCode, message });
      const duplicate = seen.has(name);
      seen.add(name);
      if (duplicate)
        return fail(ErrorCode.INVALID_REQUEST, `Create topics request contains duplicate topic ${name}`);
      const badName = invalidTopicName(name);
      if (badName) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, badName);
      if (context.topics.topics.has(name))
        return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
      let count = partitions === -1 ? context.defaultPartitions : partitions;
      if (assignments.length > 0) {
        if (partitions !== -1 || replicationFactor !== -1) {
          return fail(
            ErrorCode.INVALID_REQUEST,
            'Both numPartitions or replicationFactor and replicasAssignments were set.',
          );
        }
        if (assignments.some((a) => a.brokers.length !== 1 || a.brokers[0] !== context.nodeId)) {
          return fail(39, 'Replica assignment must name exactly this broker (one node)');
        }
        count = assignments.length;
      } else {
        if (count <= 0)
          return fail(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
        if (count > MAX_PARTITIONS) {
          return fail(
            ErrorCode.INVALID_PARTITIONS,
            `The development broker allows at most ${MAX_PARTITIONS} partitions per topic.`,
          );
        }
        if (replicationFactor === 0 || replicationFactor < -1) {
          return fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
        }
        if (replicationFactor > 1) {
          return fail(
            ErrorCode.INVALID_REPLICATION_FACTOR,
            `Replication factor: ${replicationFactor} larger than available brokers: 1.`,
          );
        }
      }
      const configMap: Record<string, string> = {};
      for (const [key, value] of configs) if (value !== null) configMap[key] = value;
      const badConfig = invalidConfig(configMap);
      if (badConfig) return fail(ErrorCode.INVALID_CONFIG, badConfig);
      if (!validateOnly) context.createTopic(name, count, configMap);
      return { name, errorCode: ErrorCode.NONE, message: null };
    });
    const w = new Writer();
    if (v >= 2) w.int32(0);
    w.array(outcomes, (w, o) => {
      w.string(o.name).int16(o.errorCode);
      if (v >= 1) w.string(o.message);
    });
    return w.finish();
  },
};

/** DeleteTopics v0–1: the logs and the groups' offsets for the topic go. */
export const deleteTopicsApi: ApiDefinition<BrokerContext> = {
  key: 20,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 1,
  handle(context, { apiVersion: v }, r) {
    const names = r.array((r) => r.string());
    r.int32();
    const w = new Writer();
    if (v >= 1) w.int32(0);
    w.array(names, (w, name) => {
      if (!context.topics.topics.has(name)) {
        w.string(name).int16(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        return;
      }
      context.deleteTopic(name);
      w.string(name).int16(ErrorCode.NONE);
    });
    return w.finish();
  },
};
