import type { Span } from '@opentelemetry/api';
import { tracingEnabled } from '@rebound/observability';
import type { Clock, TimerHandle, WallClock } from '@rebound/resilience';
import { systemClock, wallClock } from '@rebound/resilience';
import { type Database, isDatabaseUnavailableError, type Queryable } from '@rebound/storage';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import {
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_PROCESSED_TABLE,
  DEFAULT_RETRY_DELAYS_MS,
  HEADER_ATTEMPT,
  HEADER_EVENT_ID,
  HEADER_EVENT_TYPE,
  HEADER_NOT_BEFORE,
  HEADER_ORIGINAL_TOPIC,
} from '../constants.ts';
import { type MessageHeaders, readHeaders, readTraceparent } from '../headers.codec.ts';
import type { MessageProducer } from '../producer/message.producer.ts';
import { markFailed, processTraced } from '../tracing/consumer.tracing.ts';
import { consumerLag, type PartitionLag } from './consumer-lag.reader.ts';
import { routeFailure, topicsFor } from './retry.router.ts';

/** One record handed to the handler. */
export interface ConsumedEvent {
  /** `event-id` header (or `<topic>-<partition>-<offset>` when a foreign producer sent none). */
  readonly id: string;
  readonly type: string | undefined;
  readonly key: string | null;
  readonly value: string;
  readonly headers: MessageHeaders;
  /** The main topic, also for records read from a retry topic. */
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** 1 on the first delivery through the main topic, 2 after one retry, … */
  readonly attempt: number;
  readonly traceparent: string | undefined;
}

/** Applies an event using `tx`, the transaction that also records it as processed. Throw to fail the attempt. */
export type EventHandler = (event: ConsumedEvent, tx: Queryable) => Promise<void>;

export type HandlerOutcome = 'processed' | 'duplicate' | 'retry' | 'dead_letter';

export type ConsumerStatus = 'stopped' | 'starting' | 'running' | 'crashed';

export interface IdempotentConsumerOptions {
  readonly kafka: Kafka;
  readonly db: Database;
  /** Publishes to the retry and dead-letter topics. */
  readonly producer: MessageProducer;
  readonly groupId: string;
  readonly topic: string;
  readonly handler: EventHandler;
  /** `processed_messages.consumer`; default `groupId`. */
  readonly name?: string;
  /** One entry per retry topic: delay before that redelivery. Default [1 s, 10 s]; [] = straight to the DLQ. */
  readonly retryDelaysMs?: readonly number[];
  /** Partitions handled at once (each partition strictly in order): the bound on in-flight work. Default 4. */
  readonly maxInFlight?: number;
  /** Partitions of the topics created at start when missing (main, retry, DLQ). Default 1. */
  readonly partitions?: number;
  readonly fromBeginning?: boolean;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly maxWaitTimeInMs?: number;
  /** Timers for retry-topic waits. */
  readonly clock?: Clock;
  /** Epoch milliseconds, for not-before headers (shared between processes). Default `wallClock`. */
  readonly wallClock?: Pick<WallClock, 'now'>;
  /** Every handled record: feed `createRedMetrics(registry, 'kafka_handler')` and a DLQ counter from here. */
  readonly onOutcome?: (
    event: ConsumedEvent,
    outcome: HandlerOutcome,
    durationMs: number,
    error?: unknown,
  ) => void;
}

export interface IdempotentConsumer {
  readonly status: ConsumerStatus;
  /** Joins the group and starts consuming; resolves once running (not once assigned). */
  start(): Promise<void>;
  /** Finishes the record in hand, commits, leaves the group, disconnects. Idempotent. */
  close(): Promise<void>;
  /** Lag of this group on the main and retry topics. */
  lag(): Promise<PartitionLag[]>;
  unwrap(): Consumer;
}

/**
 * At-least-once consumption with effectively-once handling.
 *
 * kafkajs pattern: `eachBatch` with `eachBatchAutoResolve: false` and `autoCommit: false`. A record's offset is
 * resolved only after its transaction committed (or it was forwarded to a retry/DLQ topic), and the resolved
 * offset is committed explicitly at the end of each batch, before a pause and when stopping. So a crash
 * redelivers only records whose commit had not happened, and the `processed_messages` row written in the
 * handler's transaction turns that redelivery into a no-op. (kafkajs' autoCommit would also commit only
 * resolved offsets, but on a timer/threshold we do not control at shutdown or pause.)
 */
export function createIdempotentConsumer(options: IdempotentConsumerOptions): IdempotentConsumer {
  const { kafka, db, producer, handler } = options;
  const name = options.name ?? options.groupId;
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const clock = options.clock ?? systemClock;
  const wall = options.wallClock ?? wallClock;
  const now = () => wall.now();
  const { consumed, deadLetter } = topicsFor(options.topic, delays.length);
  const consumer = kafka.consumer({
    groupId: options.groupId,
    // Kafka's minimum session (group.min.session.timeout.ms): a killed member's partitions move within ~6 s.
    sessionTimeout: options.sessionTimeoutMs ?? 6_000,
    heartbeatInterval: options.heartbeatIntervalMs ?? 1_000,
    maxWaitTimeInMs: options.maxWaitTimeInMs ?? 1_000,
  });
  let status: ConsumerStatus = 'stopped';
  let lagAdmin: Promise<Admin> | undefined;
  const paused = new Map<string, bigint>();
  const timers = new Set<TimerHandle>();
  consumer.on(consumer.events.GROUP_JOIN, () => {
    status = 'running';
  });
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) status = 'crashed';
  });

  const handleOne = async (sourceTopic: string, partition: number, message: KafkaMessage): Promise<void> => {
    const headers = readHeaders(message.headers);
    const event: ConsumedEvent = {
      id: headers[HEADER_EVENT_ID] ?? `${sourceTopic}-${partition}-${message.offset}`,
      type: headers[HEADER_EVENT_TYPE],
      key: message.key ? message.key.toString('utf8') : null,
      value: message.value ? message.value.toString('utf8') : '',
      headers,
      topic: options.topic,
      partition,
      offset: message.offset,
      attempt: Number(headers[HEADER_ATTEMPT] ?? 1) || 1,
      traceparent: readTraceparent(headers),
    };
    if (!tracingEnabled()) return handleEvent(event, sourceTopic);
    return processTraced(event, (span) => handleEvent(event, sourceTopic, span));
  };

  const handleEvent = async (event: ConsumedEvent, sourceTopic: string, span?: Span): Promise<void> => {
    const { partition, offset, headers } = event;
    const started = clock.now();
    try {
      const applied = await db.transaction(async (tx) => {
        const { rows } = await tx.query(
          `INSERT INTO ${DEFAULT_PROCESSED_TABLE} (consumer, event_id) VALUES ($1, $2)
           ON CONFLICT DO NOTHING RETURNING event_id`,
          [name, event.id],
        );
        if (rows.length === 0) return false;
        await handler(event, tx);
        return true;
      });
      span?.setAttribute('rebound.outcome', applied ? 'processed' : 'duplicate');
      options.onOutcome?.(event, applied ? 'processed' : 'duplicate', clock.now() - started);
    } catch (error) {
      // The database is gone: not the record's fault. Throw, so kafkajs redelivers it later, attempts untouched.
      if (isDatabaseUnavailableError(error)) throw error;
      if (span) markFailed(span, error);
      const route = routeFailure(
        {
          topic: options.topic,
          sourceTopic: headers[HEADER_ORIGINAL_TOPIC] ? sourceTopic : options.topic,
          partition,
          offset,
          headers,
          attempt: event.attempt,
          reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        },
        delays,
        now(),
      );
      await producer.send([
        {
          topic: route.topic,
          messages: [{ key: event.key ?? '', value: event.value, headers: route.headers }],
        },
      ]);
      span?.setAttribute('rebound.outcome', route.deadLetter ? 'dead_letter' : 'retry');
      options.onOutcome?.(event, route.deadLetter ? 'dead_letter' : 'retry', clock.now() - started, error);
    }
  };

  return {
    get status() {
      return status;
    },
    async start() {
      status = 'starting';
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: [...consumed, deadLetter].map((topic) => ({
            topic,
            numPartitions: options.partitions ?? 1,
          })),
        });
      } finally {
        await admin.disconnect();
      }
      await consumer.connect();
      await consumer.subscribe({ topics: consumed, fromBeginning: options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
        eachBatch: async ({
          batch,
          resolveOffset,
          heartbeat,
          pause,
          commitOffsetsIfNecessary,
          isRunning,
          isStale,
        }) => {
          const tp = `${batch.topic}:${batch.partition}`;
          let resumeAt = paused.get(tp);
          if (resumeAt === -1n) return; // paused: a batch fetched before the pause
          let last: string | undefined;
          const commit = async (): Promise<void> => {
            if (last === undefined) return;
            const offset = (BigInt(last) + 1n).toString();
            last = undefined;
            await commitOffsetsIfNecessary({
              topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset }] }],
            });
          };
          try {
            for (const message of batch.messages) {
              if (!isRunning() || isStale()) break;
              if (resumeAt !== undefined) {
                // First batch after a resume: it must start at the record we paused on, else it is stale.
                if (BigInt(message.offset) < resumeAt) continue;
                if (BigInt(message.offset) > resumeAt) return;
                paused.delete(tp);
                resumeAt = undefined;
              }
              const wait = Number(readHeaders(message.headers)[HEADER_NOT_BEFORE] ?? 0) - now();
              if (wait > 0) {
                await commit();
                paused.set(tp, -1n);
                const resume = pause();
                const timer = clock.setTimer(() => {
                  timers.delete(timer);
                  paused.set(tp, BigInt(message.offset));
                  resume();
                }, wait);
                timers.add(timer);
                return;
              }
              await handleOne(batch.topic, batch.partition, message);
              resolveOffset(message.offset);
              last = message.offset;
              await heartbeat();
            }
          } finally {
            await commit();
          }
        },
      });
    },
    async close() {
      if (status === 'stopped') return;
      for (const timer of timers) timer.cancel();
      timers.clear();
      await consumer.disconnect();
      const admin = lagAdmin;
      lagAdmin = undefined;
      await admin?.then((a) => a.disconnect()).catch(() => {});
      status = 'stopped';
    },
    async lag() {
      // One admin connection, reused by every scrape.
      lagAdmin ??= (async () => {
        const admin = kafka.admin();
        await admin.connect();
        return admin;
      })();
      try {
        return await consumerLag(await lagAdmin, options.groupId, consumed);
      } catch (error) {
        const failed = lagAdmin;
        lagAdmin = undefined;
        await failed?.then((a) => a.disconnect()).catch(() => {});
        throw error;
      }
    },
    unwrap: () => consumer,
  };
}
