export type { RequestContext } from './context/request.context.ts';
export { currentRequestContext, runWithRequestContext } from './context/request.context.ts';
export { CONFIG_ERROR_EXIT_CODE, ConfigError } from './errors/config.error.ts';
export type { Logger, LoggerConfig } from './logging/logger.factory.ts';
export { createLogger } from './logging/logger.factory.ts';
export { LATENCY_BUCKETS_SECONDS } from './metrics/buckets.constants.ts';
export type { MetricsRegistryOptions } from './metrics/metrics-registry.factory.ts';
export { createMetricsRegistry } from './metrics/metrics-registry.factory.ts';
export type { CallSide, RedMetrics } from './metrics/red.metrics.ts';
export { createRedMetrics } from './metrics/red.metrics.ts';
export type { ResilienceLabels, ResilienceMetrics } from './metrics/resilience.metrics.ts';
export { createResilienceMetrics } from './metrics/resilience.metrics.ts';
export type { TraceIds } from './tracing/active-trace.util.ts';
export {
  activeTraceIds,
  activeTraceparent,
  nameActiveSpan,
  withRemoteParent,
} from './tracing/active-trace.util.ts';
export { flushTracing, shutdownTracing, tracingEnabled } from './tracing/tracing.state.ts';
