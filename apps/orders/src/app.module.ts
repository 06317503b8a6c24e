import { fileURLToPath } from 'node:url';
import { Module } from '@nestjs/common';
import { DatabaseModule, MessagingModule } from '@rebound/service-defaults';
import { DownstreamModule } from './downstream/downstream.module.ts';
import { OrdersModule } from './orders/orders.module.ts';

@Module({
  imports: [
    DatabaseModule.forRoot({
      schema: 'orders',
      migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
    }),
    MessagingModule.forRoot(),
    DownstreamModule,
    OrdersModule,
  ],
})
export class AppModule {}
