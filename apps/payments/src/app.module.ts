import { fileURLToPath } from 'node:url';
import { Module } from '@nestjs/common';
import { DatabaseModule } from '@rebound/service-defaults';
import { PaymentsModule } from './payments/payments.module.ts';
import { ProcessorModule } from './processor/processor.module.ts';

@Module({
  imports: [
    DatabaseModule.forRoot({
      schema: 'payments',
      migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
    }),
    ProcessorModule,
    PaymentsModule,
  ],
})
export class AppModule {}
