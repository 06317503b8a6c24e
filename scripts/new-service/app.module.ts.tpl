import { Module } from '@nestjs/common';
import { __CLASS__Controller } from './__NAME__/__NAME__.controller.ts';

@Module({ controllers: [__CLASS__Controller] })
export class AppModule {}
