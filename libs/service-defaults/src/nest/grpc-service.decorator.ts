import { Injectable } from '@nestjs/common';
import type { ServerServiceDefinition } from '@rebound/rpc';
import { RPC_HANDLERS_METADATA, RpcHandlers, type RpcHandlersMetadata } from '@rebound/rpc/nest';

/** The definition a provider marked `@GrpcService` implements (the metadata `@RpcHandlers` sets), if any. */
export function grpcServiceOf(target: object): ServerServiceDefinition | undefined {
  return (Reflect.getMetadata(RPC_HANDLERS_METADATA, target) as RpcHandlersMetadata | undefined)?.definition;
}

/**
 * Marks a provider as the implementation of a gRPC service: one async method per rpc, named as in the
 * generated definition (`listProducts(request, context)`). `bootstrap()` finds it and serves it. It is
 * `@RpcHandlers` of `@rebound/rpc/nest` made injectable: one marker, one way to register handlers.
 */
export function GrpcService(definition: ServerServiceDefinition): ClassDecorator {
  return (target) => {
    Injectable()(target);
    RpcHandlers(definition)(target);
  };
}

/** The service's full name from a definition: `rebound.catalog.v1.CatalogService`. */
export function serviceNameOf(definition: ServerServiceDefinition): string {
  const path = Object.values(definition)[0]?.path ?? '';
  return path.split('/')[1] ?? 'unknown';
}
