import { Injectable, SetMetadata } from '@nestjs/common';
import type { ServerServiceDefinition } from '@rebound/rpc';

export const GRPC_SERVICE_METADATA = 'rebound:grpc-service';

/**
 * Marks a provider as the implementation of a gRPC service: one async method per rpc, named as in the
 * generated definition (`listProducts(request, context)`). `bootstrap()` finds it and serves it.
 */
export function GrpcService(definition: ServerServiceDefinition): ClassDecorator {
  return (target) => {
    Injectable()(target);
    SetMetadata(GRPC_SERVICE_METADATA, definition)(target);
  };
}

/** The service's full name from a definition: `rebound.catalog.v1.CatalogService`. */
export function serviceNameOf(definition: ServerServiceDefinition): string {
  const path = Object.values(definition)[0]?.path ?? '';
  return path.split('/')[1] ?? 'unknown';
}
