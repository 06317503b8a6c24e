import type { ApiDefinition } from '../protocol/api.types.ts';
import { ErrorCode } from '../protocol/error-code.enum.ts';
import { Writer } from '../protocol/response.writer.ts';
import type { BrokerContext } from '../server/broker.context.ts';

/** OffsetFetch v1–4. Null topics (v2+) = every committed offset; no commit = offset −1, no error. */
export const offsetFetchApi: ApiDefinition<BrokerContext> = {
  key: 9,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 4,
  handle(context, { apiVersion: v }, r) {
    const groupId = r.string();
    const requested = r.nullableArray((r) => ({ name: r.string(), partitions: r.int32Array() }));
    const committed = context.groups.committed(groupId);
    const topics =
      requested ??
      [...committed].map(([name, partitions]) => ({
        name,
        partitions: [...partitions.keys()].sort((a, b) => a - b),
      }));
    const w = new Writer();
    if (v >= 3) w.int32(0);
    w.array(topics, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, index) => {
        const offset = committed.get(t.name)?.get(index);
        w.int32(index)
          .int64(offset?.offset ?? -1)
          .string(offset?.metadata ?? '')
          .int16(ErrorCode.NONE);
      });
    });
    if (v >= 2) w.int16(ErrorCode.NONE);
    return w.finish();
  },
};
