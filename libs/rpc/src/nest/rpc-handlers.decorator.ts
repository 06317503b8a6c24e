import { SetMetadata } from '@nestjs/common';
import type { AddServiceOptions, ServerServiceDefinition } from '../index.ts';
import { RPC_HANDLERS_METADATA } from './rpc.constants.ts';

export interface RpcHandlersMetadata {
  readonly definition: ServerServiceDefinition;
  readonly options: AddServiceOptions<ServerServiceDefinition> | undefined;
}

/**
 * Marks a provider whose methods implement `definition` (method names as in the definition, e.g. `getProduct`);
 * `RpcModule` registers them on the server at bootstrap.
 */
export function RpcHandlers<D extends ServerServiceDefinition>(
  definition: D,
  options?: AddServiceOptions<D>,
): ClassDecorator {
  return SetMetadata(RPC_HANDLERS_METADATA, { definition, options } satisfies RpcHandlersMetadata);
}
