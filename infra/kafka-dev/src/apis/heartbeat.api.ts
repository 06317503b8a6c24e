import type { ApiDefinition } from '../protocol/api.types.ts';
import { Writer } from '../protocol/response.writer.ts';
import type { BrokerContext } from '../server/broker.context.ts';

/** Heartbeat v0–3: resets the member's session timer; REBALANCE_IN_PROGRESS tells it to rejoin. */
export const heartbeatApi: ApiDefinition<BrokerContext> = {
  key: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 3,
  handle(context, { apiVersion: v }, r) {
    const groupId = r.string();
    const generationId = r.int32();
    const memberId = r.string();
    if (v >= 3) r.nullableString();
    const w = new Writer();
    if (v >= 1) w.int32(0);
    return w.int16(context.groups.heartbeat(groupId, generationId, memberId)).finish();
  },
};
