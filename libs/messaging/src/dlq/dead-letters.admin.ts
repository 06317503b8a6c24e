import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import {
  HEADER_ATTEMPT,
  HEADER_EVENT_ID,
  HEADER_FAILED_AT,
  HEADER_FAILURE_REASON,
  HEADER_NOT_BEFORE,
  HEADER_ORIGINAL_OFFSET,
  HEADER_ORIGINAL_PARTITION,
  HEADER_ORIGINAL_TOPIC,
  HEADER_REPLAYED_FROM,
} from '../constants.ts';
import { deadLetterTopic } from '../consumer/retry.router.ts';
import { readHeaders } from '../headers.codec.ts';
import type { MessageProducer } from '../producer/message.producer.ts';

export interface DeadLetter {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly eventId: string | undefined;
  readonly reason: string | undefined;
  readonly attempts: number;
  readonly originalTopic: string | undefined;
  readonly originalPartition: number | undefined;
  readonly originalOffset: string | undefined;
  readonly failedAt: string | undefined;
  /** Already replayed by {@link replayDeadLetters} (at or before the replay mark). */
  readonly replayed: boolean;
}

/** The consumer group whose committed offsets mark how far the DLQ of `topic` has been replayed. */
export function replayGroup(topic: string): string {
  return `${deadLetterTopic(topic)}.replayer`;
}

async function readAll(kafka: Kafka, dlq: string, timeoutMs: number) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const exists = (await admin.listTopics()).includes(dlq);
    if (!exists) return { records: [], marks: new Map<number, bigint>(), highs: new Map<number, bigint>() };
    const watermarks = await admin.fetchTopicOffsets(dlq);
    const highs = new Map(watermarks.map((w) => [w.partition, BigInt(w.high)]));
    const marks = new Map<number, bigint>();
    const [committed] = await admin.fetchOffsets({ groupId: replayGroup(dlq.slice(0, -4)), topics: [dlq] });
    for (const p of committed?.partitions ?? [])
      marks.set(p.partition, BigInt(Math.max(0, Number(p.offset))));
    const pending = watermarks.filter((w) => BigInt(w.high) > BigInt(w.low));
    const records: {
      partition: number;
      offset: string;
      key: Buffer | null;
      value: Buffer | null;
      headers: Record<string, string>;
    }[] = [];
    if (pending.length === 0) return { records, marks, highs };
    const groupId = `rebound-dlq-reader-${randomUUID()}`;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 6_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 200,
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [dlq], fromBeginning: true });
      const done = new Set<number>();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`reading ${dlq} timed out after ${timeoutMs} ms`)),
          timeoutMs,
        );
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const high = highs.get(partition) ?? 0n;
              if (BigInt(message.offset) < high) {
                records.push({
                  partition,
                  offset: message.offset,
                  key: message.key,
                  value: message.value,
                  headers: readHeaders(message.headers),
                });
              }
              if (BigInt(message.offset) >= high - 1n) done.add(partition);
              if (pending.every((w) => done.has(w.partition))) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => {});
    }
    records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
    return { records, marks, highs };
  } finally {
    await admin.disconnect();
  }
}

/** Every record in `<topic>.dlq` with its failure headers decoded, oldest first per partition. */
export async function listDeadLetters(
  kafka: Kafka,
  topic: string,
  options: { readonly timeoutMs?: number } = {},
): Promise<DeadLetter[]> {
  const { records, marks } = await readAll(kafka, deadLetterTopic(topic), options.timeoutMs ?? 30_000);
  return records.map((r) => ({
    partition: r.partition,
    offset: r.offset,
    key: r.key ? r.key.toString('utf8') : null,
    value: r.value ? r.value.toString('utf8') : '',
    headers: r.headers,
    eventId: r.headers[HEADER_EVENT_ID],
    reason: r.headers[HEADER_FAILURE_REASON],
    attempts: Number(r.headers[HEADER_ATTEMPT] ?? 0),
    originalTopic: r.headers[HEADER_ORIGINAL_TOPIC],
    originalPartition:
      r.headers[HEADER_ORIGINAL_PARTITION] === undefined
        ? undefined
        : Number(r.headers[HEADER_ORIGINAL_PARTITION]),
    originalOffset: r.headers[HEADER_ORIGINAL_OFFSET],
    failedAt: r.headers[HEADER_FAILED_AT],
    replayed: BigInt(r.offset) < (marks.get(r.partition) ?? 0n),
  }));
}

export interface ReplayOptions {
  readonly producer: MessageProducer;
  /** Replay only these event ids (replayed or not); the replay mark does not move. Default: all not yet replayed. */
  readonly eventIds?: readonly string[];
  readonly timeoutMs?: number;
}

/**
 * Publishes dead letters back to the main topic (same key, same event id, attempt reset to 1, failure headers
 * dropped, `x-replayed-from-dlq-offset` added) after the handler was fixed. Without `eventIds`, replays every
 * record past the replay mark and then moves the mark (the committed offsets of group `<topic>.dlq.replayer`),
 * so running it twice does not replay twice. Idempotent consumers apply each event at most once anyway.
 */
export async function replayDeadLetters(
  kafka: Kafka,
  topic: string,
  options: ReplayOptions,
): Promise<DeadLetter[]> {
  const letters = await listDeadLetters(kafka, topic, options);
  const wanted = options.eventIds ? new Set(options.eventIds) : undefined;
  const chosen = letters.filter((l) =>
    wanted ? l.eventId !== undefined && wanted.has(l.eventId) : !l.replayed,
  );
  if (chosen.length > 0) {
    await options.producer.send([
      {
        topic,
        messages: chosen.map((letter) => {
          const headers: Record<string, string> = {
            ...letter.headers,
            [HEADER_REPLAYED_FROM]: letter.offset,
          };
          for (const name of [HEADER_ATTEMPT, HEADER_NOT_BEFORE, HEADER_FAILURE_REASON, HEADER_FAILED_AT])
            delete headers[name];
          for (const name of [HEADER_ORIGINAL_TOPIC, HEADER_ORIGINAL_PARTITION, HEADER_ORIGINAL_OFFSET])
            delete headers[name];
          return { key: letter.key ?? '', value: letter.value, headers };
        }),
      },
    ]);
  }
  if (!wanted && chosen.length > 0) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const last = new Map<number, bigint>();
      for (const letter of chosen) last.set(letter.partition, BigInt(letter.offset) + 1n);
      await admin.setOffsets({
        groupId: replayGroup(topic),
        topic: deadLetterTopic(topic),
        partitions: [...last].map(([partition, offset]) => ({ partition, offset: offset.toString() })),
      });
    } finally {
      await admin.disconnect();
    }
  }
  return chosen;
}
