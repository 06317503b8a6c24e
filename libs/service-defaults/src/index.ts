// The resilience vocabulary an app composes its own policies from (the saga's step retries), through the one door.
export type { Clock, Random, RetryPolicy } from '@rebound/resilience';
export {
  deadlineFromEpoch,
  decorrelatedJitterBackoff,
  retry,
  seededRandom,
  systemClock,
} from '@rebound/resilience';
export type { HandlerContext, RpcClient } from '@rebound/rpc';
export { currentCall, RpcError, runWithCall } from '@rebound/rpc';
// The database an app receives through DATABASE (types only: the engine is wired here, in DatabaseModule).
export type { Database, Queryable } from '@rebound/storage';
export type { JsonAdminRoute } from './admin/admin-auth.ts';
export { isAuthorized, registerJsonAdminRoute } from './admin/admin-auth.ts';
export { registerMetricsRoute } from './admin/metrics.route.ts';
export type { ReadAdminRoute } from './admin/read.route.ts';
export { registerReadAdminRoute } from './admin/read.route.ts';
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
  INJECTED_CRASH_EXIT_CODE,
} from './constants.ts';
export type { FaultSettings } from './faults/fault-injector.ts';
export { FaultInjector, faultSettingsSchema, NO_FAULTS } from './faults/fault-injector.ts';
export { registerFaultRoutes } from './faults/faults.routes.ts';
export { validateRequest } from './grpc/rpc.error.ts';
export type { DatabaseModuleOptions } from './nest/database.module.ts';
export { DATABASE, DatabaseModule } from './nest/database.module.ts';
export { GrpcService } from './nest/grpc-service.decorator.ts';
export { PinoNestLogger } from './nest/pino-nest.logger.ts';
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
export type { BehaviourProfile } from './profile/behaviour.profile.ts';
export { parseBehaviour } from './profile/behaviour.profile.ts';
export type { ServiceContext } from './service-context.ts';
