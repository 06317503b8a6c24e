import { type DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { ServiceContext } from '../service.context.ts';
import {
  ADMIN_SERVER,
  FAULT_INJECTOR,
  HEALTH_PROBES,
  LOGGER,
  METRICS_REGISTRY,
  RPC_CLIENTS,
  SERVICE_CONFIG,
  SERVICE_CONTEXT,
} from './service-defaults.tokens.ts';

/** Makes the process-wide pieces built by `bootstrap()` injectable everywhere (global module). */
@Global()
@Module({})
export class ServiceDefaultsModule {
  static forRoot(context: ServiceContext): DynamicModule {
    const providers = [
      { provide: SERVICE_CONTEXT, useValue: context },
      { provide: SERVICE_CONFIG, useValue: context.config },
      { provide: LOGGER, useValue: context.logger },
      { provide: METRICS_REGISTRY, useValue: context.registry },
      { provide: HEALTH_PROBES, useValue: context.probes },
      { provide: ADMIN_SERVER, useValue: context.admin },
      { provide: FAULT_INJECTOR, useValue: context.faults },
      { provide: RPC_CLIENTS, useValue: context.clients },
    ];
    return {
      module: ServiceDefaultsModule,
      imports: [DiscoveryModule],
      providers,
      exports: providers.map((provider) => provider.provide),
    };
  }
}
