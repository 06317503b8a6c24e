import {
  type ConsumerStatus,
  consumerLag,
  consumerOutcomeMetrics,
  createIdempotentConsumer,
  createKafka,
  createProducer,
  DEFAULT_RETRY_DELAYS_MS,
  type EventHandler,
  type IdempotentConsumer,
  registerConsumerLagMetric,
  supervisedConsumer,
  topicsFor,
} from '@rebound/messaging';
import type { Database } from '@rebound/storage';
import type { Admin } from 'kafkajs';
import type { DegradationFlag } from '../degradation/degradation.flags.ts';
import type { ServiceContext } from '../service.context.ts';

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
  /**
   * A degradation flag (`hold-notifications`) that holds consumption while on: the consumer commits what it
   * handled, leaves the group and stops; the events wait in Kafka (the lag shows them), and once the flag is off
   * it joins again from the committed offsets, so each held event is handled once (the idempotent consumer's
   * `processed_messages` row covers a redelivery).
   */
  readonly holdFlag?: DegradationFlag;
}

/** A consumer of one topic that keeps itself running; `start()` returns at once even while Kafka is down. */
export interface EventConsumer {
  start(): Promise<void>;
  /** Commits, leaves the group and disconnects; idempotent. */
  close(): Promise<void>;
  /** `held` while the hold flag is on. */
  readonly status: ConsumerStatus | 'held';
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
  const make = (): IdempotentConsumer =>
    supervisedConsumer({
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
  const hold = options.holdFlag;
  let consumer = make();
  let started = false;
  let closed = false;
  let held = false;
  // Flag changes and close() run one after the other: a hold finishes closing before a release starts again.
  let transitions: Promise<void> = Promise.resolve();
  const serially = (step: () => Promise<void>): Promise<void> => {
    const next = transitions.then(step);
    transitions = next.catch(() => undefined);
    return next;
  };
  // While held there is no consumer to ask: the lag (the held backlog) is read with an admin client of its own.
  const consumed = topicsFor(options.topic, DEFAULT_RETRY_DELAYS_MS.length).consumed;
  let heldAdmin: Promise<Admin> | undefined;
  const dropHeldAdmin = async () => {
    const admin = heldAdmin;
    heldAdmin = undefined;
    await admin?.then((a) => a.disconnect()).catch(() => {});
  };
  const lagWhileHeld = async () => {
    heldAdmin ??= (async () => {
      const admin = kafka.admin();
      await admin.connect();
      return admin;
    })();
    try {
      return await consumerLag(await heldAdmin, options.groupId, consumed);
    } catch (error) {
      await dropHeldAdmin();
      throw error;
    }
  };
  const lagSource = {
    lag: () => (held ? lagWhileHeld() : consumer.lag()),
  } as IdempotentConsumer;
  registerConsumerLagMetric(context.registry, options.groupId, lagSource);
  hold?.onChange((on) =>
    serially(async () => {
      if (closed || on === held) return;
      if (on) {
        held = true;
        await consumer.close();
        context.logger.warn(
          { topic: options.topic, flag: hold.name },
          `consumer of ${options.topic} held (${hold.name}): offsets committed, group left; events wait in Kafka`,
        );
        return;
      }
      await dropHeldAdmin();
      held = false;
      consumer = make();
      if (started) await consumer.start();
      context.logger.info(
        { topic: options.topic, flag: hold.name },
        `consumer of ${options.topic} released (${hold.name} off): joining the group from the committed offsets`,
      );
    }),
  );
  context.probes.addCheck('readiness', options.readinessCheck ?? 'kafka-consumer', () => {
    if (held) return { ok: true, detail: `held by ${hold?.name}` };
    return consumer.status === 'running' ? { ok: true } : { ok: false, detail: consumer.status };
  });
  let closing: Promise<void> | undefined;
  return {
    start: () =>
      serially(async () => {
        started = true;
        held = hold?.on ?? false;
        if (!held) await consumer.start();
      }),
    close: () => {
      closing ??= serially(async () => {
        closed = true;
        await consumer.close();
        await dropHeldAdmin();
        await producer.close();
      });
      return closing;
    },
    get status() {
      return held ? 'held' : consumer.status;
    },
  };
}
