// The resilience vocabulary an app composes its own policies from (the saga's step retries), through the one door.
// and the edge's own (per-client throttle, adaptive load shedding).

// gRPC status codes and metadata, the metric kinds and the HTTP request/reply types an app's code names.
export { Client, credentials, Metadata, status } from '@grpc/grpc-js';
export type { AdminServer, HealthProbes, OverloadReading, OverloadSignal } from '@rebound/health';
// Messaging: what an app writes (the outbox row in its transaction) and receives (a consumed event); the Kafka
// clients, producers, relay and consumers are wired here, by MessagingModule.
export type { ConsumedEvent, EventHandler, OutboxEvent } from '@rebound/messaging';
export { writeOutbox } from '@rebound/messaging';
// Traces and logs as an app's own code sees them (the SDK itself starts from `@rebound/service-defaults/tracing`).
export type { Logger, RedMetrics } from '@rebound/observability';
// The one config error (a bad setting: one line, exit 78), shared with the tracing setup.
export {
  activeTraceparent,
  CONFIG_ERROR_EXIT_CODE,
  ConfigError,
  nameActiveSpan,
} from '@rebound/observability';
export type {
  Clock,
  KeyedRateLimitPolicy,
  LoadSheddingPolicy,
  Priority,
  Random,
  RetryPolicy,
  ShedPermit,
} from '@rebound/resilience';
export {
  deadlineFromEpoch,
  decorrelatedJitterBackoff,
  gradient2Limit,
  isLoadShedError,
  keyedRateLimit,
  LruMap,
  loadShedding,
  retry,
  seededRandom,
  systemClock,
  windowedLimit,
} from '@rebound/resilience';
export type { CallFaultSettings, HandlerContext, RpcClient, RpcClientHandle } from '@rebound/rpc';
export { codeName, currentCall, isStatusError, RpcError, retryAfterMs, runWithCall } from '@rebound/rpc';
// The database an app receives through DATABASE (types only: the engine is wired here, in DatabaseModule), and
// the singleton-worker lease with its fencing tokens.
export type {
  Database,
  LeaderElection,
  LeaderElectionOptions,
  LeaderState,
  Queryable,
} from '@rebound/storage';
export { assertFencingToken, electLeader, isFencingTokenError, withFencing } from '@rebound/storage';
export type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
export type { Registry } from 'prom-client';
export { Counter, Gauge, Histogram } from 'prom-client';
export type { JsonAdminRoute } from './admin/admin-route.util.ts';
export { isAuthorized, registerJsonAdminRoute } from './admin/admin-route.util.ts';
export { registerMetricsRoute } from './admin/metrics.route.ts';
export type { ReadAdminRoute } from './admin/read.route.ts';
export { registerReadAdminRoute } from './admin/read.route.ts';
export type { BaseConfig } from './config/service.config.ts';
export {
  addressList,
  baseConfigSchema,
  baseConfigShape,
  loadConfig,
} from './config/service.config.ts';
export {
  DEFAULT_ADMIN_TOKEN,
  INJECTED_CRASH_EXIT_CODE,
} from './constants.ts';
export { configMapDegradationStore } from './degradation/configmap-degradation.store.ts';
export type {
  DegradationFlag,
  DegradationFlagState,
  DegradationFlagsOptions,
} from './degradation/degradation.flags.ts';
export { DegradationFlags } from './degradation/degradation.flags.ts';
export { registerDegradationRoutes } from './degradation/degradation.routes.ts';
export type { DegradationStore, StoredDegradationFlag } from './degradation/degradation.store.ts';
export { fileDegradationStore } from './degradation/degradation.store.ts';
export { degradationStoreFor } from './degradation/degradation-store.factory.ts';
export type { FaultSettings } from './faults/fault.injector.ts';
export { FaultInjector, faultSettingsSchema, NO_FAULT_SETTINGS } from './faults/fault.injector.ts';
export { registerFaultRoutes } from './faults/faults.routes.ts';
export { validateRequest } from './grpc/rpc.error.ts';
export type { BootstrapOptions, RunningService } from './grpc.bootstrap.ts';
export { bootstrap } from './grpc.bootstrap.ts';
export type { ConnectionDrainOptions } from './http/connection.drainer.ts';
export { ConnectionDrain } from './http/connection.drainer.ts';
export type {
  HttpBootstrapOptions,
  HttpServiceContext,
  HttpServiceSetup,
  RunningHttpService,
} from './http/http.bootstrap.ts';
export { bootstrapHttp } from './http/http.bootstrap.ts';
export type { HttpConfig } from './http/http.config.ts';
export { httpConfigSchema, httpConfigShape } from './http/http.config.ts';
export type { EventConsumer, EventConsumerOptions } from './messaging/event.consumer.ts';
export { createEventConsumer } from './messaging/event.consumer.ts';
export type { OutboxPublisher, OutboxPublisherOptions } from './messaging/outbox.publisher.ts';
export { createOutboxPublisher } from './messaging/outbox.publisher.ts';
export type { DatabaseModuleOptions } from './nest/database.module.ts';
export { DATABASE, DatabaseModule } from './nest/database.module.ts';
export { GrpcService } from './nest/grpc-service.decorator.ts';
export { MESSAGING, Messaging, MessagingModule } from './nest/messaging.module.ts';
export { PinoNestLogger } from './nest/pino-nest.logger.ts';
export { RpcClients } from './nest/rpc-clients.factory.ts';
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
} from './nest/service-defaults.tokens.ts';
export type { BehaviourProfile } from './profile/behaviour.profile.ts';
export { parseBehaviour } from './profile/behaviour.profile.ts';
export type { ServiceContext } from './service.context.ts';
