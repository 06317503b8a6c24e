import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { walArchiveDir } from './archive.settings.ts';
import { type BackupRecord, listBackups, removeBackup } from './backup.store.ts';

/** The WAL segment size of the clusters `initCluster` creates (PostgreSQL's default; initdb gets no --wal-segsize). */
export const WAL_SEGMENT_BYTES = 16 * 1024 * 1024;

/**
 * The position part of the name of the WAL segment holding `lsn` (`0/3000028` → `0000000000000003`): the last 16
 * of a segment name's 24 hex digits, after the 8 of the timeline. Names of one timeline sort by position.
 */
export function segmentPosition(lsn: string, segmentBytes = WAL_SEGMENT_BYTES): string {
  const match = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(lsn);
  if (!match) throw new Error(`not an LSN: ${lsn}`);
  const high = Number.parseInt(match[1] as string, 16);
  const low = Number.parseInt(match[2] as string, 16);
  const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  return hex8(high) + hex8(Math.floor(low / segmentBytes));
}

/**
 * Archive files older than a position: segments (`<timeline><position>.gz`, also `.partial.gz`) and backup
 * history files (`<timeline><position>.<offset>.backup.gz`) of any timeline whose position is below it.
 * Timeline history files (`<timeline>.history.gz`) are always kept: a restore follows them to the latest timeline.
 */
export function archiveFilesBefore(files: readonly string[], position: string): string[] {
  return files.filter((file) => {
    const match = /^[0-9A-F]{8}([0-9A-F]{16})(\.partial|\.[0-9A-F]{8}\.backup)?\.gz$/.exec(file);
    return match !== null && (match[1] as string) < position;
  });
}

export interface PruneResult {
  readonly kept: readonly BackupRecord[];
  readonly removed: readonly BackupRecord[];
  /** Archive files deleted: WAL no kept base backup needs. */
  readonly walFilesRemoved: number;
}

/**
 * Retention: keeps the newest `keep` base backups and the WAL they need (from the oldest kept backup's start
 * on), deletes older base backups and older archived WAL. A restore can then reach any time from the oldest kept
 * backup's end to the end of the archive.
 */
export async function pruneBackups(options: {
  readonly backupDir: string;
  readonly keep: number;
}): Promise<PruneResult> {
  if (!Number.isInteger(options.keep) || options.keep < 1) {
    throw new Error(`keep must be a whole number of base backups, at least 1 (got ${options.keep})`);
  }
  const backups = await listBackups(options.backupDir);
  const removed = backups.slice(0, Math.max(0, backups.length - options.keep));
  const kept = backups.slice(removed.length);
  const oldest = kept[0];
  if (oldest === undefined) return { kept, removed: [], walFilesRemoved: 0 };
  for (const backup of removed) await removeBackup(options.backupDir, backup.id);
  const wal = walArchiveDir(options.backupDir);
  const old = existsSync(wal) ? archiveFilesBefore(await readdir(wal), segmentPosition(oldest.startLsn)) : [];
  for (const file of old) await rm(join(wal, file), { force: true });
  return { kept, removed, walFilesRemoved: old.length };
}
