export type { BackupScheduleOptions } from './backup.schedule.ts';
export { BackupSchedule } from './backup.schedule.ts';
export type { Command, StatusCommand, UpCommand } from './cli.args.ts';
export { parseArgs, USAGE, UsageError } from './cli.args.ts';
export type { ControlServer, ReplicaActor, SupervisorFile } from './control.server.ts';
export { startControlServer } from './control.server.ts';
export { formatEvent } from './event.format.ts';
export type { FrontBackend, FrontEvent, FrontProxyOptions } from './front.proxy.ts';
export { DEFAULT_EJECTION_MS, FrontProxy } from './front.proxy.ts';
export type { Disposable, Event } from './internal/event.emitter.ts';
export { lineSplitter } from './line.splitter.ts';
export type { LogMux, LogMuxOptions } from './log.mux.ts';
export { createLogMux, shouldColor } from './log.mux.ts';
export { renderMetrics } from './metrics.text.ts';
export type {
  DriverFactory,
  ReplicaAction,
  SupervisorEvent,
  SupervisorOptions,
} from './platform.supervisor.ts';
export { orderByDependencies, REPLICA_ACTIONS, Supervisor } from './platform.supervisor.ts';
export {
  adminProbes,
  DATABASE_SERVICES,
  DEFAULT_BASE_PORT,
  platformTopology,
  tcpProbes,
} from './platform.topology.ts';
export { portsInUse } from './port.check.ts';
export type { PostgresCluster, PostgresClusterOptions } from './postgres.cluster.ts';
export { startPostgresCluster } from './postgres.cluster.ts';
export type { FailoverEffects, FailoverOptions } from './postgres.failover.ts';
export { FAILOVER_DEFAULTS, PostgresFailover } from './postgres.failover.ts';
export type { ProbeOutcome } from './probe.runner.ts';
export { runProbe } from './probe.runner.ts';
export { ProcessDriver, processGroupAlive } from './process.driver.ts';
export type { GroupFootprint } from './pss.reader.ts';
export { groupFootprint, processGroupMembers, pssOf } from './pss.reader.ts';
export type {
  KillReason,
  ReplicaEffects,
  ReplicaEvent,
  ReplicaSnapshot,
  ReplicaState,
} from './replica.machine.ts';
export { ReplicaMachine } from './replica.machine.ts';
export type { RwTarget } from './rw.endpoint.ts';
export { RwEndpoint } from './rw.endpoint.ts';
export { fetchStatus, NoSupervisorError } from './status.client.ts';
export { formatDuration, renderStatusTable } from './status.table.ts';
export type { StatusReport, StatusRow } from './status.types.ts';
export type { ProcessDefinition, ReplicaContext, ResolveOptions, Topology } from './topology.resolve.ts';
export { DEFAULT_RESTART, MAX_REPLICAS, resolveTopology } from './topology.resolve.ts';
export type {
  Availability,
  ProbeKind,
  ProbeSet,
  ProbeSpec,
  ProbeTarget,
  ProcessSpec,
  ReplicaSpec,
  RestartPolicy,
} from './topology.types.ts';
