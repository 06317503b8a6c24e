import {
  type ConsumerStatus,
  consumerOutcomeMetrics,
  createIdempotentConsumer,
  createKafka,
  createProducer,
  type EventHandler,
  type IdempotentConsumer,
  registerConsumerLagMetric,
  supervisedConsumer,
} from '@rebound/messaging';
import type { Database } from '@rebound/storage';
import type { ServiceContext } from '../service-context.ts';

export interface EventConsumerOptions {
  /** The database that records processed event ids in the handler's transaction. */
  readonly db: Database;
  readonly groupId: string;
  readonly topic: string;
  /** Applies one event inside the transaction that records it as processed; throw to retry it later. */
  readonly handler: EventHandler;
  /** Name of the readiness check; default `kafka-consumer`. */
  readonly readinessCheck?: string;
  /**
   * Partitions of the topic (and its retry and dead-letter topics) when the consumer creates them; default 1.
   * More than one lets every replica of the group take a share, and the others take a dead one's over.
   */
  readonly partitions?: number;
}

/** A consumer of one topic that keeps itself running; `start()` returns at once even while Kafka is down. */
export interface EventConsumer {
  start(): Promise<void>;
  /** Commits, leaves the group and disconnects; idempotent. */
  close(): Promise<void>;
  readonly status: ConsumerStatus;
}

/**
 * An idempotent consumer as every service runs it: a Kafka client named after the instance, a producer for the
 * retry and dead-letter topics, restarts with backoff (a broker outage never stops the service), the
 * `rebound_kafka_consumer_*` outcome and lag metrics, a warning per failed event and per restart, and a
 * readiness check that is true while it consumes.
 */
export function createEventConsumer(context: ServiceContext, options: EventConsumerOptions): EventConsumer {
  const kafka = createKafka({
    clientId: context.instance,
    env: { KAFKA_BROKERS: context.config.KAFKA_BROKERS },
  });
  const producer = createProducer(kafka);
  const onOutcome = consumerOutcomeMetrics(context.registry);
  const consumer: IdempotentConsumer = supervisedConsumer({
    create: () =>
      createIdempotentConsumer({
        kafka,
        db: options.db,
        producer,
        groupId: options.groupId,
        topic: options.topic,
        handler: options.handler,
        ...(options.partitions !== undefined && { partitions: options.partitions }),
        onOutcome: (event, outcome, durationMs, error) => {
          onOutcome(event, outcome, durationMs);
          if (outcome === 'retry' || outcome === 'dead_letter') {
            context.logger.warn(
              { eventId: event.id, topic: event.topic, outcome, err: error },
              'event failed',
            );
          }
        },
      }),
    onRestart: (error, delayMs, attempt) =>
      context.logger.warn(
        { err: error, attempt, topic: options.topic },
        `consumer of ${options.topic} not running, trying again in ${Math.round(delayMs)} ms`,
      ),
  });
  registerConsumerLagMetric(context.registry, options.groupId, consumer);
  context.probes.addCheck('readiness', options.readinessCheck ?? 'kafka-consumer', () =>
    consumer.status === 'running' ? { ok: true } : { ok: false, detail: consumer.status },
  );
  let closing: Promise<void> | undefined;
  return {
    start: () => consumer.start(),
    close: () => {
      closing ??= (async () => {
        await consumer.close();
        await producer.close();
      })();
      return closing;
    },
    get status() {
      return consumer.status;
    },
  };
}
