import type { ApiDefinition } from '../protocol/api.types.ts';
import { ErrorCode } from '../protocol/error-code.enum.ts';
import { Writer } from '../protocol/response.writer.ts';
import type { BrokerContext } from '../server/broker.context.ts';

/** DescribeGroups v0–2: state strings as Kafka's; an unknown group is `Dead` with no error. */
export const describeGroupsApi: ApiDefinition<BrokerContext> = {
  key: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 2,
  handle(context, { apiVersion: v }, r) {
    const ids = r.array((r) => r.string());
    const w = new Writer();
    if (v >= 1) w.int32(0);
    w.array(ids, (w, id) => {
      const group = context.groups.groups.get(id);
      w.int16(ErrorCode.NONE)
        .string(id)
        .string(group?.state ?? 'Dead');
      w.string(group?.protocolType ?? '').string(group?.protocolName ?? '');
      const members = group && group.state !== 'Dead' ? [...group.members.values()] : [];
      w.array(members, (w, m) => {
        w.string(m.memberId).string(m.clientId).string(m.clientHost);
        w.bytes(group!.metadataFor(m)).bytes(group!.state === 'Stable' ? m.assignment : Buffer.alloc(0));
      });
    });
    return w.finish();
  },
};

/** ListGroups v0–2. */
export const listGroupsApi: ApiDefinition<BrokerContext> = {
  key: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 2,
  handle(context, { apiVersion: v }) {
    const w = new Writer();
    if (v >= 1) w.int32(0);
    w.int16(ErrorCode.NONE);
    w.array([...context.groups.groups.values()], (w, g) => w.string(g.groupId).string(g.protocolType));
    return w.finish();
  },
};

/** DeleteGroups v0–1: NON_EMPTY_GROUP while members remain. */
export const deleteGroupsApi: ApiDefinition<BrokerContext> = {
  key: 42,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 1,
  handle(context, _header, r) {
    const ids = r.array((r) => r.string());
    const w = new Writer().int32(0);
    w.array(ids, (w, id) => w.string(id).int16(context.groups.deleteGroup(id)));
    return w.finish();
  },
};
