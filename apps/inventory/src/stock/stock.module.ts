import { Module } from '@nestjs/common';
import { StockAdmin } from './stock.admin.ts';
import { StockGrpcService } from './stock.grpc-service.ts';
import { StockRepository } from './stock.repository.ts';

@Module({ providers: [StockRepository, StockGrpcService, StockAdmin] })
export class StockModule {}
