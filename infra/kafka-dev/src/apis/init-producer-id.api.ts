import type { ApiDefinition } from '../protocol/api.types.ts';
import { ErrorCode } from '../protocol/error-code.enum.ts';
import { Writer } from '../protocol/response.writer.ts';
import type { BrokerContext } from '../server/broker.context.ts';

/** InitProducerId v0–1 for idempotent producers; a transactional id is refused (no transactions). */
export const initProducerIdApi: ApiDefinition<BrokerContext> = {
  key: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 1,
  handle(context, _header, r) {
    const transactionalId = r.nullableString();
    r.int32();
    const w = new Writer().int32(0);
    if (transactionalId !== null) return w.int16(ErrorCode.INVALID_REQUEST).int64(-1).int16(-1).finish();
    return w.int16(ErrorCode.NONE).int64(context.producerIds.allocate()).int16(0).finish();
  },
};
