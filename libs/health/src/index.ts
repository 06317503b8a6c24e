export type { AdminMethod, AdminRouteHandler, AdminServerOptions } from './admin.server.ts';
export { AdminServer, renderProbeReport } from './admin.server.ts';
export {
  DEFAULT_ADMIN_PORT,
  DEFAULT_CHECK_TIMEOUT_MS,
  DEFAULT_DRAIN_DELAY_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_HOOK_TIMEOUT_MS,
} from './constants.ts';
export type { LoopSampler, LoopWindow } from './event-loop.sampler.ts';
export { eventLoopSampler } from './event-loop.sampler.ts';
export type {
  CheckOptions,
  CheckReport,
  CheckResult,
  HealthCheck,
  HealthFlag,
  HealthProbesOptions,
  ProbeKind,
  ProbeReport,
} from './health.probes.ts';
export { HealthProbes } from './health.probes.ts';
export { InflightTracker } from './inflight.tracker.ts';
export { overloadCheck } from './overload.check.ts';
export type { OverloadReading, OverloadSignalOptions } from './overload.signal.ts';
export { OverloadSignal, overloadSignal } from './overload.signal.ts';
export type { ShutdownHook, ShutdownOptions, ShutdownState } from './shutdown.coordinator.ts';
export { ShutdownCoordinator } from './shutdown.coordinator.ts';
