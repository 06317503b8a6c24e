import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { providerHandlers, type RpcServer } from '../index.ts';
import { RPC_HANDLERS_METADATA, RPC_MODULE_OPTIONS, RPC_SERVER } from './rpc.constants.ts';
import type { RpcHandlersMetadata } from './rpc-handlers.decorator.ts';
import type { RpcModuleOptions } from './rpc-module.options.ts';

/** Registers every `@RpcHandlers` provider, listens at bootstrap, drains before the application shuts down. */
@Injectable()
export class RpcServerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** The bound port, once the application has bootstrapped. */
  port: number | undefined;

  readonly #server: RpcServer;
  readonly #options: RpcModuleOptions;
  readonly #discovery: DiscoveryService;
  readonly #reflector: Reflector;

  constructor(
    @Inject(RPC_SERVER) server: RpcServer,
    @Inject(RPC_MODULE_OPTIONS) options: RpcModuleOptions,
    // Explicit tokens: the metadata emitted for a constructor does not survive type-only imports.
    @Inject(DiscoveryService) discovery: DiscoveryService,
    @Inject(Reflector) reflector: Reflector,
  ) {
    this.#server = server;
    this.#options = options;
    this.#discovery = discovery;
    this.#reflector = reflector;
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const wrapper of this.#discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (instance === undefined || instance === null || typeof metatype !== 'function') continue;
      const meta = this.#reflector.get<RpcHandlersMetadata | undefined>(RPC_HANDLERS_METADATA, metatype);
      if (meta === undefined) continue;
      this.#server.addService(meta.definition, providerHandlers(instance, meta.definition), meta.options);
    }
    this.port = await this.#server.listen(this.#options.address ?? '127.0.0.1:0');
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.#server.draining) await this.#server.drain(this.#options.drainTimeoutMs);
  }
}
