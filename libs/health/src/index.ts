export type { AdminMethod, AdminRouteHandler, AdminServerOptions } from './admin.server.ts';
export { AdminServer, renderProbeReport } from './admin.server.ts';
export {
  DEFAULT_ADMIN_PORT,
  DEFAULT_CHECK_TIMEOUT_MS,
  DEFAULT_DRAIN_DELAY_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_HOOK_TIMEOUT_MS,
} from './constants.ts';
export type { EventLoopDelayCheck, EventLoopDelayCheckOptions } from './event-loop.check.ts';
export { eventLoopDelayCheck } from './event-loop.check.ts';
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
export type { ShutdownHook, ShutdownOptions, ShutdownState } from './shutdown.coordinator.ts';
export { ShutdownCoordinator } from './shutdown.coordinator.ts';
