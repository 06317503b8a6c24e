import { tracingEnabled } from '@rebound/observability';
import { type Kafka, Partitioners, type Producer } from 'kafkajs';
import { HEADER_EVENT_ID, HEADER_EVENT_TYPE, HEADER_TRACEPARENT } from '../constants.ts';
import { sendTraced, type TopicBatch } from '../tracing/producer.tracing.ts';
import type { OutgoingMessage } from './outgoing-message.types.ts';
import { PublishError } from './publish.error.ts';

export type { OutgoingMessage } from './outgoing-message.types.ts';

/** `connected` is the only state in which readiness should pass. */
export type ProducerStatus = 'disconnected' | 'connecting' | 'connected' | 'closed';

/** One record to publish: key = aggregate id (same key, same partition, same order). */
export interface MessageProducer {
  readonly status: ProducerStatus;
  connect(): Promise<void>;
  /**
   * Publishes records to topics in one request, in order per topic, acknowledged by all in-sync replicas.
   * Throws {@link PublishError}. Connects first when the last connection was lost. With tracing on, one
   * request per run of records from the same trace, each under its own `send` span.
   */
  send(batch: TopicBatch): Promise<void>;
  /** Disconnects; idempotent. */
  close(): Promise<void>;
  /** The kafkajs producer, for what this wrapper does not cover. */
  unwrap(): Producer;
}

export function toKafkaHeaders(message: OutgoingMessage): Record<string, string> {
  const headers: Record<string, string> = { ...message.headers };
  if (message.id !== undefined) headers[HEADER_EVENT_ID] = message.id;
  if (message.type !== undefined) headers[HEADER_EVENT_TYPE] = message.type;
  if (message.traceparent !== undefined) headers[HEADER_TRACEPARENT] = message.traceparent;
  return headers;
}

/**
 * An idempotent producer (`acks: -1`, one request in flight, so retries can neither duplicate nor reorder a
 * batch) with a status for readiness. Works unchanged against kafka-dev and Apache Kafka.
 */
export function createProducer(kafka: Kafka): MessageProducer {
  // The partitioner named explicitly (kafkajs's default since v2, murmur2 as the Java client): without it kafkajs
  // warns at every start that its default changed.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: true,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  let status: ProducerStatus = 'disconnected';
  let connecting: Promise<void> | undefined;
  producer.on(producer.events.CONNECT, () => {
    if (status !== 'closed') status = 'connected';
  });
  producer.on(producer.events.DISCONNECT, () => {
    if (status !== 'closed') status = 'disconnected';
  });

  const connect = (): Promise<void> => {
    if (status === 'closed') return Promise.reject(new Error('producer is closed'));
    if (status === 'connected') return Promise.resolve();
    connecting ??= (async () => {
      status = 'connecting';
      try {
        await producer.connect();
        status = 'connected';
      } catch (error) {
        status = 'disconnected';
        throw error;
      } finally {
        connecting = undefined;
      }
    })();
    return connecting;
  };

  const sendBatch = async (batch: TopicBatch): Promise<void> => {
    const topics = batch.map((entry) => entry.topic);
    try {
      await connect();
      await producer.sendBatch({
        acks: -1,
        topicMessages: batch.map(({ topic, messages }) => ({
          topic,
          messages: messages.map((message) => ({
            key: message.key,
            value: message.value,
            headers: toKafkaHeaders(message),
            ...(message.partition === undefined ? {} : { partition: message.partition }),
          })),
        })),
      });
    } catch (error) {
      if (status === 'connected' && isConnectionError(error)) status = 'disconnected';
      throw new PublishError(topics, error);
    }
  };

  return {
    get status() {
      return status;
    },
    connect,
    send(batch) {
      return tracingEnabled() ? sendTraced(batch, sendBatch) : sendBatch(batch);
    },
    async close() {
      if (status === 'closed') return;
      status = 'closed';
      await producer.disconnect();
    },
    unwrap: () => producer,
  };
}

function isConnectionError(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? '';
  return /Connection|NumberOfRetriesExceeded|RequestTimeout/.test(name);
}
