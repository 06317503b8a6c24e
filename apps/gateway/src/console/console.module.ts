import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller.ts';

@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}
