export type { Endpoint } from './client/endpoint.pool.ts';
export { EndpointPool } from './client/endpoint.pool.ts';
export type { LinkFault, LinkFaultEvent, LinkFaultMode } from './client/link-faults.state.ts';
export { LINK_FAULT_MODES, LinkFaults, peerName } from './client/link-faults.state.ts';
export type {
  BreakerConfig,
  MethodConfig,
  MethodPolicies,
  RetryConfig,
} from './client/method-policy.factory.ts';
export { isServerFailure } from './client/method-policy.factory.ts';
export type { EjectionEvent, OutlierDetectionOptions } from './client/outlier.detector.ts';
export { OutlierDetector } from './client/outlier.detector.ts';
export type {
  CallOptions,
  RpcClient,
  RpcClientHandle,
  RpcClientOptions,
  ServiceDefinitionLike,
  UnaryMethodDefinition,
} from './client/rpc.client.ts';
export { createRpcClient } from './client/rpc.client.ts';
export type { Resolver, Target } from './client/target.resolver.ts';
export { resolverFor } from './client/target.resolver.ts';
export type { CallContext } from './common/call.context.ts';
export { currentCall, parseTraceparent, runWithCall } from './common/call.context.ts';
export { codeName, isStatusError, RpcError, retryAfterMs, toStatusError } from './common/status.error.ts';
export * from './constants.ts';
export type { LoopLagSources } from './server/loop-lag.monitor.ts';
export { LoopLagMonitor } from './server/loop-lag.monitor.ts';
export type { ProviderHandlersOptions } from './server/provider.handlers.ts';
export { providerHandlers } from './server/provider.handlers.ts';
export type { Validator } from './server/request.validation.ts';
export type {
  AddServiceOptions,
  DrainResult,
  OverloadSource,
  RpcServerOptions,
  ServerMethodDefinition,
  ServerServiceDefinition,
  ServiceHandlers,
} from './server/rpc.server.ts';
export { createRpcServer, RpcServer } from './server/rpc.server.ts';
export type { CallFaultSettings } from './server/server-faults.injector.ts';
export { ServerFaults } from './server/server-faults.injector.ts';
export type { TurnAdmissionOptions } from './server/turn.admission.ts';
export { TurnAdmission } from './server/turn.admission.ts';
export type { HandlerContext, ServerShedEvent, ShedReason, UnaryHandler } from './server/unary.handler.ts';
export type { WindowedVegasLimitOptions } from './server/windowed-vegas.limit.ts';
export { WindowedVegasLimit, windowedVegasLimit } from './server/windowed-vegas.limit.ts';
