import type { ApiDefinition } from '../protocol/api.types.ts';
import { ErrorCode } from '../protocol/error-code.enum.ts';
import { Writer } from '../protocol/response.writer.ts';
import type { BrokerContext } from '../server/broker.context.ts';

/** FindCoordinator v0–2: this node for every group; transaction coordinators (key type 1) are not offered. */
export const findCoordinatorApi: ApiDefinition<BrokerContext> = {
  key: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 2,
  handle(context, { apiVersion: v }, r) {
    r.string();
    const keyType = v >= 1 ? r.int8() : 0;
    const errorCode = keyType === 0 ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST;
    const w = new Writer();
    if (v >= 1) w.int32(0);
    w.int16(errorCode);
    if (v >= 1) w.string(errorCode ? 'transactions are not supported by the development broker' : null);
    w.int32(context.nodeId).string(context.advertised.host).int32(context.advertised.port);
    return w.finish();
  },
};
