import type { ApiDefinition } from '../protocol/api.types.ts';
import { Writer } from '../protocol/response.writer.ts';
import type { BrokerContext } from '../server/broker.context.ts';

/** SyncGroup v0–3: the leader's assignments are handed to every member. */
export const syncGroupApi: ApiDefinition<BrokerContext> = {
  key: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 3,
  async handle(context, { apiVersion: v }, r) {
    const groupId = r.string();
    const generationId = r.int32();
    const memberId = r.string();
    if (v >= 3) r.nullableString();
    const assignments = new Map(r.array((r) => [r.string(), Buffer.from(r.bytes())] as const));
    const result = await context.groups.sync(groupId, generationId, memberId, assignments);
    const w = new Writer();
    if (v >= 1) w.int32(0);
    return w.int16(result.errorCode).bytes(result.assignment).finish();
  },
};
