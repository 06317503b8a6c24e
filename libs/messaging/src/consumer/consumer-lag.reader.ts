import type { Admin } from 'kafkajs';

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** Next offset to be written (high watermark). */
  readonly high: number;
  /** The group's committed offset, or the log start when it has none. */
  readonly committed: number;
  readonly lag: number;
}

/**
 * Lag per partition from the group's committed offsets against each partition's high watermark (what a
 * `rebound_kafka_consumer_lag{topic,partition}` gauge reports). A partition never committed counts from the log start.
 */
export async function consumerLag(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<PartitionLag[]> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const out: PartitionLag[] = [];
  for (const { topic, partitions } of committed) {
    const watermarks = await admin.fetchTopicOffsets(topic);
    for (const mark of watermarks) {
      const high = Number(mark.high);
      const entry = partitions.find((p) => p.partition === mark.partition);
      const raw = entry ? Number(entry.offset) : -1;
      const position = raw >= 0 ? raw : Number(mark.low);
      out.push({
        topic,
        partition: mark.partition,
        high,
        committed: position,
        lag: Math.max(0, high - position),
      });
    }
  }
  return out;
}
