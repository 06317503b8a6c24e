import { Module } from '@nestjs/common';
import { CatalogService } from './catalog.service.ts';
import { ProductsController } from './products.controller.ts';

@Module({ controllers: [ProductsController], providers: [CatalogService], exports: [CatalogService] })
export class ProductsModule {}
