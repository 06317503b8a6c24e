import { type DynamicModule, type InjectionToken, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import {
  createRpcClient,
  createRpcServer,
  type RpcClientOptions,
  type ServiceDefinitionLike,
} from '../index.ts';
import { RPC_MODULE_OPTIONS, RPC_SERVER } from './rpc.constants.ts';
import type { RpcModuleOptions } from './rpc-module.options.ts';
import { RpcServerHost } from './rpc-server.host.ts';

/**
 * Thin NestJS glue over `@rebound/rpc`: `forRoot()` runs one server for the application and serves every
 * provider marked `@RpcHandlers(definition)`; `forClient()` provides a client under a token (inject it with
 * `@Inject(token)`) and closes it at shutdown.
 */
@Module({})
export class RpcModule {
  static forRoot(options: RpcModuleOptions = {}): DynamicModule {
    return {
      module: RpcModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [
        { provide: RPC_MODULE_OPTIONS, useValue: options },
        { provide: RPC_SERVER, useFactory: () => createRpcServer(options.server) },
        RpcServerHost,
      ],
      exports: [RPC_SERVER, RpcServerHost],
    };
  }

  static forClient<D extends ServiceDefinitionLike>(
    token: InjectionToken,
    definition: D,
    options: RpcClientOptions<D>,
  ): DynamicModule {
    const closer = Symbol(`close ${String(token)}`);
    return {
      module: RpcModule,
      providers: [
        { provide: token, useFactory: () => createRpcClient(definition, options) },
        {
          provide: closer,
          inject: [token],
          useFactory: (client: { $rpc: { close(): void } }) => ({
            onApplicationShutdown: () => client.$rpc.close(),
          }),
        },
      ],
      exports: [token],
    };
  }
}
