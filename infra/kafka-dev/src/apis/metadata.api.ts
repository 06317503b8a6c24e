import type { ApiDefinition } from '../protocol/api.types.ts';
import { ErrorCode } from '../protocol/error-code.enum.ts';
import { Writer } from '../protocol/response.writer.ts';
import type { BrokerContext } from '../server/broker.context.ts';
import { invalidTopicName } from '../storage/topic.store.ts';

/**
 * Metadata v0–6. All topics for null topics (v1+) or an empty list (v0, where null does not exist);
 * auto-creation honours `allow_auto_topic_creation` (v4+). v0 (kafka-python's version probe) has no
 * controller, rack or internal flag.
 */
export const metadataApi: ApiDefinition<BrokerContext> = {
  key: 3,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 6,
  handle(context, { apiVersion: v }, r) {
    const requested = r.nullableArray((r) => r.string());
    const allowAutoCreate = v >= 4 ? r.boolean() : true;
    const all = requested === null || (v === 0 && requested.length === 0);
    const names = all ? [...context.topics.topics.keys()].sort() : requested;
    const w = new Writer();
    if (v >= 3) w.int32(0);
    w.array([context.advertised], (w, b) => {
      w.int32(context.nodeId).string(b.host).int32(b.port);
      if (v >= 1) w.string(null);
    });
    if (v >= 2) w.string(context.clusterId);
    if (v >= 1) w.int32(context.nodeId);
    w.array(names, (w, name) => {
      let topic = context.topics.topics.get(name);
      let errorCode: number = ErrorCode.NONE;
      if (!topic) {
        if (invalidTopicName(name)) errorCode = ErrorCode.INVALID_TOPIC_EXCEPTION;
        else if (allowAutoCreate && context.autoCreateTopics)
          topic = context.createTopic(name, context.defaultPartitions, {});
        else errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      }
      w.int16(errorCode).string(name);
      if (v >= 1) w.boolean(false);
      w.array(topic ? topic.partitions.map((_, i) => i) : [], (w, partition) => {
        w.int16(ErrorCode.NONE).int32(partition).int32(context.nodeId);
        w.array([context.nodeId], (w, id) => w.int32(id));
        w.array([context.nodeId], (w, id) => w.int32(id));
        if (v >= 5) w.array([], (w) => w);
      });
    });
    return w.finish();
  },
};
