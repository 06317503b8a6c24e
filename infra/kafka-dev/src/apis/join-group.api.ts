import type { ApiDefinition } from '../protocol/api.types.ts';
import { Writer } from '../protocol/response.writer.ts';
import type { BrokerContext } from '../server/broker.context.ts';

/** JoinGroup v0–5 (v4+: MEMBER_ID_REQUIRED round trip for new members). The reply is parked until the join completes. */
export const joinGroupApi: ApiDefinition<BrokerContext> = {
  key: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 5,
  async handle(context, { apiVersion: v, clientId, clientHost }, r) {
    const groupId = r.string();
    const sessionTimeoutMs = r.int32();
    const rebalanceTimeoutMs = v >= 1 ? r.int32() : sessionTimeoutMs;
    const memberId = r.string();
    const groupInstanceId = v >= 5 ? r.nullableString() : null;
    const protocolType = r.string();
    const protocols = r.array((r) => ({ name: r.string(), metadata: Buffer.from(r.bytes()) }));
    const result = await context.groups.join({
      groupId,
      memberId,
      groupInstanceId,
      sessionTimeoutMs,
      rebalanceTimeoutMs,
      protocolType,
      protocols,
      clientId,
      clientHost,
      requireKnownMemberId: v >= 4,
    });
    const w = new Writer();
    if (v >= 2) w.int32(0);
    w.int16(result.errorCode).int32(result.generationId).string(result.protocolName);
    w.string(result.leader).string(result.memberId);
    w.array(result.members, (w, m) => {
      w.string(m.memberId);
      if (v >= 5) w.string(m.groupInstanceId);
      w.bytes(m.metadata);
    });
    return w.finish();
  },
};
