import { Module } from '@nestjs/common';
import { DownstreamModule } from '../downstream/downstream.module.ts';
import { CheckoutSaga } from '../saga/checkout.saga.ts';
import { OrdersGrpcService } from './orders.grpc-service.ts';
import { OrdersRepository } from './orders.repository.ts';

@Module({ imports: [DownstreamModule], providers: [OrdersRepository, CheckoutSaga, OrdersGrpcService] })
export class OrdersModule {}
