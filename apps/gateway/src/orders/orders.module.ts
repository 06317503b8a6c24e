import { Module } from '@nestjs/common';
import { ProductsModule } from '../products/products.module.ts';
import { OrdersController } from './orders.controller.ts';
import { OrdersService } from './orders.service.ts';

@Module({ imports: [ProductsModule], controllers: [OrdersController], providers: [OrdersService] })
export class OrdersModule {}
