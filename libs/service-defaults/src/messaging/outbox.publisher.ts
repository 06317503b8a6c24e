import {
  createKafka,
  createOutboxRelay,
  createProducer,
  type OutboxRelay,
  registerOutboxMetrics,
} from '@rebound/messaging';
import { type Clock, systemClock } from '@rebound/resilience';
import type { Database } from '@rebound/storage';
import { logLevel } from 'kafkajs';
import type { ServiceContext } from '../service.context.ts';

/** Log a failing relay at most this often (it backs off on its own; the log says it is still failing). */
const ERROR_LOG_EVERY_MS = 10_000;

export interface OutboxPublisherOptions {
  /** The database whose `outbox` table is published (the one events were written to with `writeOutbox`). */
  readonly db: Database;
  /** How often the outbox is read when nobody calls `wake()`. Default 200 ms. */
  readonly pollIntervalMs?: number;
  /** How long a `wake()` waits, so that the commits of that moment share one relay round. Default 20 ms. */
  readonly wakeDelayMs?: number;
  readonly clock?: Clock;
}

/** The outbox relay of a service, with its producer, metrics and outage log wired in. */
export interface OutboxPublisher {
  /** Starts publishing in the background; the broker being down never fails this. */
  start(): void;
  /** Publishes soon after a commit instead of waiting out the poll interval. */
  wake(): void;
  /** Stops after the current round and disconnects the producer; idempotent. */
  stop(): Promise<void>;
  readonly relay: OutboxRelay;
}

/**
 * The transactional outbox's publishing side as every service runs it: a Kafka client named after the
 * instance (`KAFKA_BROKERS`), an idempotent producer, the relay with backoff, `rebound_outbox_*` metrics, and
 * one warning per 10 s while it cannot publish. Readiness does not look at the broker: checkout never waits
 * for Kafka.
 */
export function createOutboxPublisher(
  context: ServiceContext,
  options: OutboxPublisherOptions,
): OutboxPublisher {
  const clock = options.clock ?? systemClock;
  // Outages are reported by the backoff log below, not by kafkajs on every reconnect.
  const kafka = createKafka({
    clientId: context.instance,
    env: { KAFKA_BROKERS: context.config.KAFKA_BROKERS },
    logLevel: logLevel.NOTHING,
  });
  const producer = createProducer(kafka);
  let lastErrorLog = Number.NEGATIVE_INFINITY;
  const relay = createOutboxRelay({
    db: options.db,
    producer,
    pollIntervalMs: options.pollIntervalMs ?? 200,
    wakeDelayMs: options.wakeDelayMs ?? 20,
    onError: (error, failures, delayMs) => {
      if (clock.now() - lastErrorLog < ERROR_LOG_EVERY_MS) return;
      lastErrorLog = clock.now();
      context.logger.warn(
        { err: error, consecutiveFailures: failures },
        `outbox relay cannot publish, next try in ${Math.round(delayMs)} ms`,
      );
    },
  });
  registerOutboxMetrics(context.registry, relay);
  let stopping: Promise<void> | undefined;
  return {
    relay,
    start: () => relay.start(),
    wake: () => relay.wake(),
    stop: () => {
      stopping ??= (async () => {
        await relay.stop();
        await producer.close();
      })();
      return stopping;
    },
  };
}
