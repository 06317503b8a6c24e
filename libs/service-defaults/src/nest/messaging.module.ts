import { type DynamicModule, Inject, Injectable, Module } from '@nestjs/common';
import {
  createEventConsumer,
  type EventConsumer,
  type EventConsumerOptions,
} from '../messaging/event.consumer.ts';
import {
  createOutboxPublisher,
  type OutboxPublisher,
  type OutboxPublisherOptions,
} from '../messaging/outbox.publisher.ts';
import type { ServiceContext } from '../service.context.ts';
import { SERVICE_CONTEXT } from './service-defaults.tokens.ts';

/** Injection token of the service's {@link Messaging}. */
export const MESSAGING = Symbol.for('rebound.service-defaults.messaging');

/**
 * Kafka for one service: each outbox publisher and consumer it makes is wired with the service's name, brokers,
 * metrics, readiness and logs. Who makes one stops it (a consumer before the database closes, an outbox
 * publisher after the work that writes the outbox has drained), because only the app knows that order.
 */
@Injectable()
export class Messaging {
  readonly #context: ServiceContext;

  constructor(@Inject(SERVICE_CONTEXT) context: ServiceContext) {
    this.#context = context;
  }

  outboxPublisher(options: OutboxPublisherOptions): OutboxPublisher {
    return createOutboxPublisher(this.#context, options);
  }

  consumer(options: EventConsumerOptions): EventConsumer {
    return createEventConsumer(this.#context, options);
  }
}

/** `MessagingModule.forRoot()` beside `DatabaseModule.forRoot(...)` makes {@link MESSAGING} injectable everywhere. */
@Module({})
export class MessagingModule {
  static forRoot(): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [{ provide: MESSAGING, useClass: Messaging }],
      exports: [MESSAGING],
    };
  }
}
