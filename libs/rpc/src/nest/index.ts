export { RPC_HANDLERS_METADATA, RPC_MODULE_OPTIONS, RPC_SERVER } from './rpc.constants.ts';
export { RpcModule } from './rpc.module.ts';
export type { RpcHandlersMetadata } from './rpc-handlers.decorator.ts';
export { RpcHandlers } from './rpc-handlers.decorator.ts';
export type { RpcModuleOptions } from './rpc-module.options.ts';
export { RpcServerHost } from './rpc-server.host.ts';
