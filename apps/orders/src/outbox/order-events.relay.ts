import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  createKafka,
  createOutboxRelay,
  createProducer,
  type OutboxRelay,
  registerOutboxMetrics,
} from '@rebound/messaging';
import type { Database } from '@rebound/service-defaults';
import { DATABASE, SERVICE_CONTEXT, type ServiceContext } from '@rebound/service-defaults';
import { logLevel } from 'kafkajs';

/** Log a failing relay at most this often (it backs off on its own; the log just says it is still failing). */
const ERROR_LOG_EVERY_MS = 10_000;

/**
 * Publishes the orders outbox to Kafka (`orders.events`, keyed by order id) for the life of the service.
 *
 * Checkout never waits for Kafka: events are committed to the outbox with the order, the relay publishes them
 * in the background with backoff while the broker is down, and readiness does not look at the broker. It is
 * stopped by the orders service after running sagas have drained (so their last events are published when the
 * broker is up), before the database closes.
 */
@Injectable()
export class OrderEventsRelay implements OnApplicationBootstrap {
  readonly #context: ServiceContext;
  readonly #relay: OutboxRelay;
  readonly #close: () => Promise<void>;
  #lastErrorLog = Number.NEGATIVE_INFINITY;

  constructor(@Inject(SERVICE_CONTEXT) context: ServiceContext, @Inject(DATABASE) db: Database) {
    this.#context = context;
    // Outages are reported by the relay's backoff log below, not by kafkajs on every reconnect.
    const kafka = createKafka({ clientId: context.instance, logLevel: logLevel.NOTHING });
    const producer = createProducer(kafka);
    this.#relay = createOutboxRelay({
      db,
      producer,
      pollIntervalMs: 200,
      onError: (error, failures, delayMs) => {
        if (performance.now() - this.#lastErrorLog < ERROR_LOG_EVERY_MS) return;
        this.#lastErrorLog = performance.now();
        context.logger.warn(
          { err: error, consecutiveFailures: failures },
          `outbox relay cannot publish, next try in ${Math.round(delayMs)} ms`,
        );
      },
    });
    this.#close = async () => {
      await this.#relay.stop();
      await producer.close();
    };
    registerOutboxMetrics(context.registry, this.#relay);
  }

  onApplicationBootstrap(): void {
    this.#relay.start();
    this.#context.logger.info('outbox relay started (orders.events)');
  }

  /** Publishes soon after a commit instead of waiting out the poll interval. */
  wake(): void {
    this.#relay.wake();
  }

  /** Stops after the current round and disconnects the producer; idempotent. */
  async stop(): Promise<void> {
    await this.#close();
  }
}
