import { join } from 'node:path';

/** How often a primary with activity switches to a new WAL segment, so the archive is never further behind. */
export const ARCHIVE_TIMEOUT = '2s';

/** `<backup-dir>/wal`: the continuous WAL archive, gzipped segments (a switched segment is mostly zeros). */
export const walArchiveDir = (backupDir: string) => join(backupDir, 'wal');

const quote = (path: string) => `'${path.replace(/'/g, "'\\''")}'`;

/**
 * Continuous archiving: every completed (or `archive_timeout`-switched) segment is gzipped into the archive under
 * a temporary name and renamed, so a reader never sees half a segment; a segment already there is kept (the
 * command succeeds only if the file exists or was written), as PostgreSQL's documentation asks.
 */
export function archiveSettings(backupDir: string): Readonly<Record<string, string>> {
  const dir = walArchiveDir(backupDir);
  return {
    archive_mode: 'on',
    archive_timeout: ARCHIVE_TIMEOUT,
    archive_command: `test -f ${quote(dir)}/%f.gz || (gzip -c %p > ${quote(dir)}/%f.gz.tmp && mv ${quote(dir)}/%f.gz.tmp ${quote(dir)}/%f.gz)`,
  };
}

/** The `restore_command` of a recovery from the archive. */
export function restoreCommand(backupDir: string): string {
  const dir = walArchiveDir(backupDir);
  return `test -f ${quote(dir)}/%f.gz && gunzip -c ${quote(dir)}/%f.gz > %p`;
}
