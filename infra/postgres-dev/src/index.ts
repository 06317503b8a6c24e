export type { AdminChecks } from './admin.server.ts';
export { ARCHIVE_TIMEOUT, archiveSettings, restoreCommand, walArchiveDir } from './archive.settings.ts';
export type { PruneResult } from './backup.retention.ts';
export { archiveFilesBefore, pruneBackups, segmentPosition, WAL_SEGMENT_BYTES } from './backup.retention.ts';
export type { BackupRecord } from './backup.store.ts';
export { backupCluster, listBackups, restoreCluster } from './backup.store.ts';
export type { BaseBackupOptions, BaseBackupResult } from './base.backup.ts';
export { takeBaseBackup } from './base.backup.ts';
export type { InitClusterOptions } from './cluster.init.ts';
export { clusterExists, initCluster } from './cluster.init.ts';
export type { ClusterState, InstanceAddress } from './cluster.state.ts';
export {
  BOOTSTRAPPED_FILE,
  CLUSTER_STATE_FILE,
  parseClusterState,
  readClusterState,
  SUPERUSER_PASSWORD_FILE,
  writeClusterState,
} from './cluster.state.ts';
export type { RolePasswords } from './database.credentials.ts';
export { parseRolePasswords, ROLE_PASSWORDS_VARIABLE, serviceDatabaseUrl } from './database.credentials.ts';
export { provisionDatabases } from './database.provisioner.ts';
export type { DrillOutcome, DrillRecord } from './drill.record.ts';
export { DRILL_RECORD_FILE, readDrillRecord, recordDrill } from './drill.record.ts';
export type { DiskState, InstanceRole } from './instance.role.ts';
export { decideRole } from './instance.role.ts';
export { OUTBOX_REPLAY_WINDOW_SECONDS, replayOutboxTail } from './outbox.replay.ts';
export type { PostgresBinaries } from './postgres.binaries.ts';
export { binariesFor, platformPackage, postgresBinaries } from './postgres.binaries.ts';
export type { RunningServer, StartServerOptions } from './postgres.server.ts';
export { startServer } from './postgres.server.ts';
export type { InstanceStatus, ReplicaStatus } from './replication.admin.ts';
export { instanceStatus, promote, setSynchronousStandby } from './replication.admin.ts';
export { LOCAL_SERVER_SETTINGS, TEST_SERVER_SETTINGS } from './server.settings.ts';
export type { ServerUser } from './server.user.ts';
export { SERVER_USER, serverUser } from './server.user.ts';
export { slotName, synchronousName } from './standby.config.ts';
