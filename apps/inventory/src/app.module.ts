import { fileURLToPath } from 'node:url';
import { Module } from '@nestjs/common';
import { DatabaseModule } from '@rebound/service-defaults';
import { StockModule } from './stock/stock.module.ts';

@Module({
  imports: [
    DatabaseModule.forRoot({
      schema: 'inventory',
      migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
    }),
    StockModule,
  ],
})
export class AppModule {}
