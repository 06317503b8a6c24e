/** Injection token of the process's {@link RpcServer}. */
export const RPC_SERVER = Symbol('RPC_SERVER');
/** Injection token of the options given to `RpcModule.forRoot()`. */
export const RPC_MODULE_OPTIONS = Symbol('RPC_MODULE_OPTIONS');
/** Metadata key set by `@RpcHandlers()`. */
export const RPC_HANDLERS_METADATA = 'rebound:rpc-handlers';
