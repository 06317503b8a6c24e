import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { AdminServer, Registry } from '@rebound/service-defaults';
import {
  ADMIN_SERVER,
  type BaseConfig,
  METRICS_REGISTRY,
  registerJsonAdminRoute,
  SERVICE_CONFIG,
} from '@rebound/service-defaults';
import { ProcessorSimulator, processorSettingsSchema } from './processor.simulator.ts';

/**
 * The simulated processor, and its authenticated admin endpoint `/admin/processor` (GET settings, POST
 * `{ failureRate, declineRate, latencyMs }`, DELETE back to healthy).
 */
@Module({
  providers: [
    {
      provide: ProcessorSimulator,
      inject: [METRICS_REGISTRY],
      useFactory: (registry: Registry) => new ProcessorSimulator(registry),
    },
  ],
  exports: [ProcessorSimulator],
})
export class ProcessorModule implements OnModuleInit {
  readonly #processor: ProcessorSimulator;
  readonly #admin: AdminServer;
  readonly #config: BaseConfig;

  constructor(
    @Inject(ProcessorSimulator) processor: ProcessorSimulator,
    @Inject(ADMIN_SERVER) admin: AdminServer,
    @Inject(SERVICE_CONFIG) config: BaseConfig,
  ) {
    this.#processor = processor;
    this.#admin = admin;
    this.#config = config;
  }

  onModuleInit(): void {
    registerJsonAdminRoute(this.#admin, {
      path: '/admin/processor',
      token: this.#config.ADMIN_TOKEN,
      schema: processorSettingsSchema,
      get: () => this.#processor.settings,
      post: (change) => this.#processor.update(change),
      reset: () => this.#processor.reset(),
    });
  }
}
