import type { ApiDefinition } from '../protocol/api.types.ts';
import { ErrorCode } from '../protocol/error-code.enum.ts';
import { Writer } from '../protocol/response.writer.ts';
import type { BrokerContext } from '../server/broker.context.ts';

const MAX_METADATA = 4096;

/** OffsetCommit v2–5: accepted while Stable and while preparing a rebalance; simple commits on Empty groups. */
export const offsetCommitApi: ApiDefinition<BrokerContext> = {
  key: 8,
  name: 'OffsetCommit',
  minVersion: 2,
  maxVersion: 5,
  handle(context, { apiVersion: v }, r) {
    const groupId = r.string();
    const generationId = r.int32();
    const memberId = r.string();
    if (v <= 4) r.int64();
    const topics = r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({
        index: r.int32(),
        offset: Number(r.int64()),
        metadata: r.nullableString(),
      })),
    }));
    const groupError = context.groups.commitCheck(groupId, generationId, memberId);
    const accepted: {
      topic: string;
      partition: number;
      offset: { offset: number; metadata: string | null };
    }[] = [];
    const results = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        let errorCode: number = groupError;
        if (errorCode === ErrorCode.NONE) {
          if (!context.topics.topics.get(t.name)?.partitions[p.index])
            errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          else if ((p.metadata?.length ?? 0) > MAX_METADATA)
            errorCode = 12; // OFFSET_METADATA_TOO_LARGE
          else
            accepted.push({
              topic: t.name,
              partition: p.index,
              offset: { offset: p.offset, metadata: p.metadata },
            });
        }
        return { index: p.index, errorCode };
      }),
    }));
    if (accepted.length > 0) context.groups.commit(groupId, accepted);
    const w = new Writer();
    if (v >= 3) w.int32(0);
    w.array(results, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) => w.int32(p.index).int16(p.errorCode));
    });
    return w.finish();
  },
};
