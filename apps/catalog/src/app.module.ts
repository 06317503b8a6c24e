import { Module } from '@nestjs/common';
import { ProductsModule } from './products/products.module.ts';

@Module({ imports: [ProductsModule] })
export class AppModule {}
