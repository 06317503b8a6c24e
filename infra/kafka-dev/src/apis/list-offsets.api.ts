import type { ApiDefinition } from '../protocol/api.types.ts';
import { ErrorCode } from '../protocol/error-code.enum.ts';
import { Writer } from '../protocol/response.writer.ts';
import type { BrokerContext } from '../server/broker.context.ts';

/** ListOffsets v1–3: −1 latest (high watermark), −2 earliest (log start), else the first batch at or after the time. */
export const listOffsetsApi: ApiDefinition<BrokerContext> = {
  key: 2,
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 3,
  handle(context, { apiVersion: v }, r) {
    r.int32();
    if (v >= 2) r.int8();
    const topics = r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({ index: r.int32(), timestamp: Number(r.int64()) })),
    }));
    const w = new Writer();
    if (v >= 2) w.int32(0);
    w.array(topics, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, { index, timestamp }) => {
        const log = context.topics.topics.get(t.name)?.partitions[index];
        if (!log) {
          w.int32(index).int16(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).int64(-1).int64(-1);
          return;
        }
        const found =
          timestamp === -1
            ? { offset: log.highWatermark, timestamp: -1 }
            : timestamp === -2
              ? { offset: log.logStartOffset, timestamp: -1 }
              : log.offsetForTimestamp(timestamp);
        w.int32(index).int16(ErrorCode.NONE).int64(found.timestamp).int64(found.offset);
      });
    });
    return w.finish();
  },
};
