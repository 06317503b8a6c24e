import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller.ts';
import { HealProxyController } from './heal.proxy.ts';

@Module({ controllers: [ConsoleController, HealProxyController] })
export class ConsoleModule {}
