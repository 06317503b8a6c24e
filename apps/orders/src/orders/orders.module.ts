import { Module } from '@nestjs/common';
import { DownstreamModule } from '../downstream/downstream.module.ts';
import { OrderEventsRelay } from '../outbox/order-events.relay.ts';
import { CheckoutSaga } from '../saga/checkout.saga.ts';
import { RecoveryWorker } from '../saga/recovery.worker.ts';
import { RunningSagas } from '../saga/running-sagas.registry.ts';
import { SagaHold } from '../saga/saga-hold.admin.ts';
import { OrdersGrpcService } from './orders.grpc-service.ts';
import { OrdersRepository } from './orders.repository.ts';
import { OrdersBooksMetrics } from './orders-books.metrics.ts';

@Module({
  imports: [DownstreamModule],
  providers: [
    OrdersRepository,
    OrdersBooksMetrics,
    CheckoutSaga,
    RunningSagas,
    SagaHold,
    OrderEventsRelay,
    OrdersGrpcService,
    RecoveryWorker,
  ],
})
export class OrdersModule {}
