import type { ApiDefinition } from '../protocol/api.types.ts';
import { ErrorCode } from '../protocol/error-code.enum.ts';
import type { Reader } from '../protocol/request.reader.ts';
import { Writer } from '../protocol/response.writer.ts';
import type { BrokerContext } from '../server/broker.context.ts';

interface FetchPartition {
  partition: number;
  fetchOffset: number;
  maxBytes: number;
}

interface PartitionData {
  partition: number;
  errorCode: number;
  highWatermark: number;
  logStartOffset: number;
  records: Buffer[];
}

function parse(v: number, r: Reader) {
  r.int32();
  const maxWaitMs = r.int32();
  const minBytes = r.int32();
  const maxBytes = r.int32();
  r.int8();
  if (v >= 7) {
    r.int32();
    r.int32();
  }
  const topics = r.array((r) => ({
    topic: r.string(),
    partitions: r.array((r): FetchPartition => {
      const partition = r.int32();
      if (v >= 9) r.int32();
      const fetchOffset = Number(r.int64());
      if (v >= 5) r.int64();
      return { partition, fetchOffset, maxBytes: r.int32() };
    }),
  }));
  if (v >= 7) r.array((r) => [r.string(), r.int32Array()]);
  if (v >= 11) r.string();
  return { maxWaitMs, minBytes, maxBytes, topics };
}

/**
 * Fetch v4–11: whole batches from the fetch offset, at least one even above the byte limits (KIP-74).
 * With fewer than `min_bytes` ready the request is parked until a produce wakes it or `max_wait_ms` passes;
 * `min_bytes` 0 (or less) answers at once, as Kafka does.
 */
export const fetchApi: ApiDefinition<BrokerContext> = {
  key: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 11,
  async handle(context, { apiVersion: v, signal }, r) {
    const request = parse(v, r);
    const deadline = context.clock.now() + Math.max(0, request.maxWaitMs);
    const collect = () => {
      let budget = request.maxBytes;
      let total = 0;
      let failed = false;
      const topics = request.topics.map(({ topic, partitions }) => ({
        topic,
        partitions: partitions.map(({ partition, fetchOffset, maxBytes }): PartitionData => {
          const log = context.topics.topics.get(topic)?.partitions[partition];
          if (!log) {
            failed = true;
            return {
              partition,
              errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              highWatermark: -1,
              logStartOffset: -1,
              records: [],
            };
          }
          const base = { partition, highWatermark: log.highWatermark, logStartOffset: log.logStartOffset };
          if (fetchOffset > log.highWatermark || fetchOffset < log.logStartOffset) {
            failed = true;
            return { ...base, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, records: [] };
          }
          const records =
            total > 0 && budget <= 0
              ? []
              : log.read(fetchOffset, total > 0 ? Math.min(maxBytes, budget) : maxBytes);
          const size = records.reduce((sum, b) => sum + b.length, 0);
          total += size;
          budget -= size;
          return { ...base, errorCode: ErrorCode.NONE, records };
        }),
      }));
      return { topics, total, failed };
    };
    let result = collect();
    while (!result.failed && !signal.aborted && result.total < request.minBytes) {
      const left = deadline - context.clock.now();
      if (left <= 0) break;
      await context.waitForData(left, signal);
      result = collect();
    }
    context.metrics.bytesOut(result.total);
    const w = new Writer(1024 + result.total);
    w.int32(0);
    if (v >= 7) w.int16(ErrorCode.NONE).int32(0);
    w.array(result.topics, (w, t) => {
      w.string(t.topic);
      w.array(t.partitions, (w, p) => {
        w.int32(p.partition).int16(p.errorCode).int64(p.highWatermark).int64(p.highWatermark);
        if (v >= 5) w.int64(p.logStartOffset);
        w.array([], (w) => w);
        if (v >= 11) w.int32(-1);
        const size = p.records.reduce((sum, b) => sum + b.length, 0);
        w.int32(size);
        for (const batch of p.records) w.raw(batch);
      });
    });
    return w.finish();
  },
};
