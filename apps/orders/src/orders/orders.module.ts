import { Module } from '@nestjs/common';
import { DownstreamModule } from '../downstream/downstream.module.ts';
import { OrderEventsRelay } from '../outbox/order-events.relay.ts';
import { CheckoutSaga } from '../saga/checkout.saga.ts';
import { RecoveryWorker } from '../saga/recovery.worker.ts';
import { RunningSagas } from '../saga/running-sagas.ts';
import { SagaHold } from '../saga/saga-hold.ts';
import { OrdersGrpcService } from './orders.grpc-service.ts';
import { OrdersRepository } from './orders.repository.ts';

@Module({
  imports: [DownstreamModule],
  providers: [
    OrdersRepository,
    CheckoutSaga,
    RunningSagas,
    SagaHold,
    OrderEventsRelay,
    OrdersGrpcService,
    RecoveryWorker,
  ],
})
export class OrdersModule {}
