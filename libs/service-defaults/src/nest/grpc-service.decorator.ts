import { Injectable, SetMetadata } from '@nestjs/common';
import type { ServiceDefinitionLike } from '../grpc/grpc-server.ts';

export const GRPC_SERVICE_METADATA = 'rebound:grpc-service';

/**
 * Marks a provider as the implementation of a gRPC service: one async method per rpc, named as in the
 * generated definition (`listProducts(request, context)`). `bootstrap()` finds it and serves it.
 */
export function GrpcService(definition: ServiceDefinitionLike): ClassDecorator {
  return (target) => {
    Injectable()(target);
    SetMetadata(GRPC_SERVICE_METADATA, definition)(target);
  };
}

/** The service's full name from a definition: `rebound.catalog.v1.CatalogService`. */
export function serviceNameOf(definition: ServiceDefinitionLike): string {
  const path = Object.values(definition)[0]?.path ?? '';
  return path.split('/')[1] ?? 'unknown';
}
