export type { JsonAdminRoute } from './admin/admin-auth.ts';
export { isAuthorized, registerJsonAdminRoute } from './admin/admin-auth.ts';
export type { BootstrapOptions, RunningService } from './bootstrap.ts';
export { bootstrap } from './bootstrap.ts';
export type { BaseConfig } from './config/service.config.ts';
export {
  addressList,
  baseConfigSchema,
  baseConfigShape,
  ConfigError,
  loadConfig,
} from './config/service.config.ts';
export {
  CONFIG_ERROR_EXIT_CODE,
  DEFAULT_ADMIN_TOKEN,
  DEFAULT_CLIENT_DEADLINE_MS,
  INJECTED_CRASH_EXIT_CODE,
} from './constants.ts';
export type { FaultName, FaultSettings } from './faults/fault-injector.ts';
export { FaultInjector, faultSettingsSchema, NO_FAULTS } from './faults/fault-injector.ts';
export type { CallContext } from './grpc/call-context.ts';
export { currentCall } from './grpc/call-context.ts';
export type { CallOptions, MethodPolicy, RpcClient, RpcClientOptions } from './grpc/grpc-client.ts';
export { createRpcClient, targetOf } from './grpc/grpc-client.ts';
export type { RpcHandlers, ServiceDefinitionLike } from './grpc/grpc-server.ts';
export { GrpcServerHost } from './grpc/grpc-server.ts';
export type { GrpcCallError } from './grpc/rpc.error.ts';
export { isGrpcCallError, isRpcError, RpcError, validateRequest } from './grpc/rpc.error.ts';
export { GrpcService } from './nest/grpc-service.decorator.ts';
export { RpcClients } from './nest/rpc-clients.ts';
export { ServiceDefaultsModule } from './nest/service-defaults.module.ts';
export {
  ADMIN_SERVER,
  FAULT_INJECTOR,
  HEALTH_PROBES,
  LOGGER,
  METRICS_REGISTRY,
  RPC_CLIENTS,
  SERVICE_CONFIG,
  SERVICE_CONTEXT,
} from './nest/tokens.ts';
export type { ServiceContext } from './service-context.ts';
