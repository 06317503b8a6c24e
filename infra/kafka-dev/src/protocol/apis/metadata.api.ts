import type { BrokerContext } from '../../server/broker-context.ts';
import { invalidTopicName } from '../../storage/topic-store.ts';
import type { ApiDefinition } from '../api.ts';
import { ErrorCode } from '../errors.ts';
import { Writer } from '../writer.ts';

/** Metadata v1–6. Null topics (v1+) = all; auto-creation honours `allow_auto_topic_creation` (v4+). */
export const metadataApi: ApiDefinition<BrokerContext> = {
  key: 3,
  name: 'Metadata',
  minVersion: 1,
  maxVersion: 6,
  handle(context, { apiVersion: v }, r) {
    const requested = r.nullableArray((r) => r.string());
    const allowAutoCreate = v >= 4 ? r.boolean() : true;
    const names = requested ?? [...context.topics.topics.keys()].sort();
    const w = new Writer();
    if (v >= 3) w.int32(0);
    w.array([context.advertised], (w, b) =>
      w.int32(context.nodeId).string(b.host).int32(b.port).string(null),
    );
    if (v >= 2) w.string(context.clusterId);
    w.int32(context.nodeId);
    w.array(names, (w, name) => {
      let topic = context.topics.topics.get(name);
      let errorCode: number = ErrorCode.NONE;
      if (!topic) {
        if (invalidTopicName(name)) errorCode = ErrorCode.INVALID_TOPIC_EXCEPTION;
        else if (allowAutoCreate && context.autoCreateTopics)
          topic = context.createTopic(name, context.defaultPartitions, {});
        else errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      }
      w.int16(errorCode).string(name).boolean(false);
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
