import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Database } from '@rebound/service-defaults';
import {
  DATABASE,
  LOGGER,
  type Logger,
  MESSAGING,
  type Messaging,
  type OutboxPublisher,
} from '@rebound/service-defaults';

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
  readonly #logger: Logger;
  readonly #publisher: OutboxPublisher;

  constructor(
    @Inject(MESSAGING) messaging: Messaging,
    @Inject(LOGGER) logger: Logger,
    @Inject(DATABASE) db: Database,
  ) {
    this.#logger = logger;
    this.#publisher = messaging.outboxPublisher({ db, pollIntervalMs: 200 });
  }

  onApplicationBootstrap(): void {
    this.#publisher.start();
    this.#logger.info('outbox relay started (orders.events)');
  }

  /** Publishes soon after a commit instead of waiting out the poll interval. */
  wake(): void {
    this.#publisher.wake();
  }

  /** Stops after the current round and disconnects the producer; idempotent. */
  async stop(): Promise<void> {
    await this.#publisher.stop();
  }
}
