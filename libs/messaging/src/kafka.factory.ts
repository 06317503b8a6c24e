import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { quietLogCreator } from './kafka.logger.ts';

export interface CreateKafkaOptions {
  readonly clientId: string;
  /** Bootstrap servers; default `KAFKA_BROKERS` (comma-separated), then `127.0.0.1:9092`. */
  readonly brokers?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** kafkajs log level; default WARN. Tests that stop the broker on purpose pass `logLevel.NOTHING`. */
  readonly logLevel?: logLevel;
  /**
   * Connection/request retries of the client. Defaults keep a call's failure within about a second, because
   * the callers (relay, consumer) have their own backoff and must hear about an outage rather than hang.
   */
  readonly retry?: KafkaConfig['retry'];
  readonly requestTimeoutMs?: number;
  readonly connectionTimeoutMs?: number;
}

/** `KAFKA_BROKERS=a:9092,b:9092` as a list; blanks dropped. The only setting that differs between dev and Kafka. */
export function brokersFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const list = (env.KAFKA_BROKERS ?? '127.0.0.1:9092')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (list.length === 0) throw new Error('KAFKA_BROKERS is empty: set host:port[,host:port]');
  return list;
}

/** One kafkajs client with the settings the wrappers expect (same code against kafka-dev and Apache Kafka). */
export function createKafka(options: CreateKafkaOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...(options.brokers ?? brokersFromEnv(options.env))],
    logLevel: options.logLevel ?? logLevel.WARN,
    logCreator: quietLogCreator(),
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 10_000,
    retry: options.retry ?? { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
}
