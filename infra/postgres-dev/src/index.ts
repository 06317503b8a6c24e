export type { AdminChecks } from './admin.server.ts';
export { ARCHIVE_TIMEOUT, archiveSettings, restoreCommand, walArchiveDir } from './archive.settings.ts';
export type { PruneResult } from './backup.retention.ts';
export { archiveFilesBefore, pruneBackups, segmentPosition, WAL_SEGMENT_BYTES } from './backup.retention.ts';
export type { BackupRecord } from './backup.store.ts';
export { backupCluster, listBackups, restoreCluster } from './backup.store.ts';
export type { BaseBackupOptions, BaseBackupResult } from './base.backup.ts';
export { takeBaseBackup } from './base.backup.ts';
export type { PostgresBinaries } from './binaries.ts';
export { binariesFor, platformPackage, postgresBinaries } from './binaries.ts';
export type { ClusterState, InstanceAddress } from './cluster.state.ts';
export {
  BOOTSTRAPPED_FILE,
  CLUSTER_STATE_FILE,
  parseClusterState,
  readClusterState,
  SUPERUSER_PASSWORD_FILE,
  writeClusterState,
} from './cluster.state.ts';
export type { InitClusterOptions } from './cluster.ts';
export { clusterExists, initCluster } from './cluster.ts';
export type { RolePasswords } from './credentials.ts';
export { parseRolePasswords, ROLE_PASSWORDS_VARIABLE, serviceDatabaseUrl } from './credentials.ts';
export type { DrillOutcome, DrillRecord } from './drill.record.ts';
export { DRILL_RECORD_FILE, readDrillRecord, recordDrill } from './drill.record.ts';
export type { DiskState, InstanceRole } from './instance.role.ts';
export { decideRole } from './instance.role.ts';
export { provisionDatabases } from './provision.ts';
export type { InstanceStatus, ReplicaStatus } from './replication.admin.ts';
export { instanceStatus, promote, setSynchronousStandby } from './replication.admin.ts';
export type { RunningServer, StartServerOptions } from './server.ts';
export { startServer } from './server.ts';
export type { ServerUser } from './server-user.ts';
export { SERVER_USER, serverUser } from './server-user.ts';
export { LOCAL_SERVER_SETTINGS, TEST_SERVER_SETTINGS } from './settings.ts';
export { slotName, synchronousName } from './standby.config.ts';
