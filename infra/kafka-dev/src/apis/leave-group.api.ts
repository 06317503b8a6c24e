import type { ApiDefinition } from '../protocol/api.types.ts';
import { Writer } from '../protocol/response.writer.ts';
import type { BrokerContext } from '../server/broker.context.ts';

/** LeaveGroup v0–3 (v3: a list of members, each answered). */
export const leaveGroupApi: ApiDefinition<BrokerContext> = {
  key: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 3,
  handle(context, { apiVersion: v }, r) {
    const groupId = r.string();
    const members =
      v >= 3
        ? r.array((r) => ({ memberId: r.string(), groupInstanceId: r.nullableString() }))
        : [{ memberId: r.string(), groupInstanceId: null }];
    const result = context.groups.leave(
      groupId,
      members.map((m) => m.memberId),
    );
    const w = new Writer();
    if (v >= 1) w.int32(0);
    w.int16(v >= 3 ? 0 : result.errorCode);
    if (v >= 3) {
      w.array(members, (w, m) => {
        w.string(m.memberId).string(m.groupInstanceId).int16(result.members[members.indexOf(m)]!);
      });
    }
    return w.finish();
  },
};
