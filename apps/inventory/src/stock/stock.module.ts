import { Module } from '@nestjs/common';
import { StockGrpcService } from './stock.grpc-service.ts';
import { StockRepository } from './stock.repository.ts';

@Module({ providers: [StockRepository, StockGrpcService] })
export class StockModule {}
