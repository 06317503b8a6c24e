import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ORDERS_EVENTS_TOPIC } from '@rebound/contracts';
import type { Database } from '@rebound/service-defaults';
import {
  DATABASE,
  type EventConsumer,
  MESSAGING,
  type Messaging,
  registerJsonAdminRoute,
  SERVICE_CONTEXT,
  type ServiceContext,
} from '@rebound/service-defaults';
import { HandlerFaults, handlerFaultsSchema } from './handler-faults.state.ts';
import { applyOrderEvent } from './order-event.handler.ts';

export const CONSUMER_GROUP = 'notifications';
/** The degradation flag that holds delivery: events wait in Kafka, each is delivered once when it is off. */
export const HOLD_NOTIFICATIONS = 'hold-notifications';

/**
 * Consumes `orders.events` for the life of the service. Kafka being down never stops the service from
 * starting or staying up: the consumer retries in the background, readiness says whether it is consuming,
 * and the backlog drains once the broker is back. It stops (commit, leave the group) before the database
 * closes. While the `hold-notifications` flag is on (`/admin/degradation`, switched by the remediation
 * controller when notifications keep failing) it stops the same way and nothing is delivered; switched off, it
 * joins again and delivers every held notification once.
 */
@Injectable()
export class OrderEventsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #context: ServiceContext;
  readonly #consumer: EventConsumer;

  constructor(
    @Inject(SERVICE_CONTEXT) context: ServiceContext,
    @Inject(MESSAGING) messaging: Messaging,
    @Inject(DATABASE) db: Database,
  ) {
    this.#context = context;
    const faults = new HandlerFaults();
    registerJsonAdminRoute(context.admin, {
      path: '/admin/handler-faults',
      token: context.config.ADMIN_TOKEN,
      schema: handlerFaultsSchema,
      get: () => faults.settings,
      post: (settings) => faults.update(settings),
      reset: () => faults.reset(),
    });
    this.#consumer = messaging.consumer({
      db,
      groupId: CONSUMER_GROUP,
      topic: ORDERS_EVENTS_TOPIC,
      // Both replicas of the one group consume: each takes half the partitions, the other's on its loss.
      partitions: 4,
      holdFlag: context.degradation.declare(
        HOLD_NOTIFICATIONS,
        'notifications not delivered: order events wait in Kafka, each delivered once when switched off',
      ),
      handler: async (event, tx) => {
        faults.check();
        await applyOrderEvent(event, tx);
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.#consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.#consumer.close();
    this.#context.logger.info('order events consumer closed (offsets committed, group left)');
  }
}
