import { Module } from '@nestjs/common';
import { ProcessorModule } from '../processor/processor.module.ts';
import { LedgerAdmin } from './ledger.admin.ts';
import { PaymentsGrpcService } from './payments.grpc-service.ts';
import { PaymentsRepository } from './payments.repository.ts';

@Module({ imports: [ProcessorModule], providers: [PaymentsRepository, PaymentsGrpcService, LedgerAdmin] })
export class PaymentsModule {}
