import { Module } from '@nestjs/common';
import { ProductsGrpcService } from './products.grpc-service.ts';
import { ProductsRepository } from './products.repository.ts';

@Module({ providers: [ProductsRepository, ProductsGrpcService] })
export class ProductsModule {}
