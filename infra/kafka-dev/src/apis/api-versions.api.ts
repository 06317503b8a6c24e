import type { ApiDefinition } from '../protocol/api.types.ts';
import { ErrorCode } from '../protocol/error-code.enum.ts';
import { Writer } from '../protocol/response.writer.ts';
import type { BrokerContext } from '../server/broker.context.ts';

type Range = { key: number; min: number; max: number };

function ranges(context: BrokerContext): Range[] {
  return [...context.apis.values()]
    .map((api) => ({ key: api.key, min: api.minVersion, max: api.maxVersion }))
    .sort((a, b) => a.key - b.key);
}

/** KIP-511: an unsupported ApiVersions version is answered in the v0 layout with error 35 and the list. */
export function apiVersionsUnsupported(context: BrokerContext): Buffer {
  const w = new Writer();
  w.int16(ErrorCode.UNSUPPORTED_VERSION);
  w.array(ranges(context), (w, r) => w.int16(r.key).int16(r.min).int16(r.max));
  return w.finish();
}

/** ApiVersions v0–3 (v3 is flexible: compact array and tagged fields, but response header v0). */
export const apiVersionsApi: ApiDefinition<BrokerContext> = {
  key: 18,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 3,
  handle(context, { apiVersion: v }, r) {
    if (v >= 3) {
      r.compactNullableString();
      r.compactNullableString();
      r.skipTaggedFields();
    }
    const w = new Writer();
    w.int16(ErrorCode.NONE);
    if (v >= 3) {
      w.compactArray(ranges(context), (w, x) => w.int16(x.key).int16(x.min).int16(x.max).emptyTaggedFields());
      w.int32(0).emptyTaggedFields();
    } else {
      w.array(ranges(context), (w, x) => w.int16(x.key).int16(x.min).int16(x.max));
      if (v >= 1) w.int32(0);
    }
    return w.finish();
  },
};
