import { chown, copyFile, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { ServerUser } from './server.user.ts';

/** Directories whose contents a base backup leaves out (PostgreSQL docs, "Making a Base Backup Using the Low Level API"). */
const EMPTY_DIRECTORIES = new Set([
  'pg_wal',
  'pg_replslot',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat_tmp',
  'pg_subtrans',
]);
/** Files of the running source that must not travel with the copy. */
const SKIPPED_FILES = new Set([
  'postmaster.pid',
  'postmaster.opts',
  'backup_label',
  'tablespace_map',
  'standby.signal',
  'recovery.signal',
]);

export interface BaseBackupOptions {
  /** A superuser connection to the running source server. */
  readonly adminUrl: string;
  /** The source's PGDATA (same machine: the backup is a file copy). */
  readonly sourceDir: string;
  /** Where the copy goes; must not exist yet. */
  readonly targetDir: string;
  /** Owner of the copied files (the server's unprivileged user when run as root). */
  readonly user: ServerUser | undefined;
  readonly label: string;
  /**
   * A physical replication slot created on the source before the backup starts, so the source keeps every WAL
   * segment from the backup's start until the standby streams it (recreated when it exists).
   */
  readonly slot?: string;
  /** Wait until the WAL the backup needs is in the archive (a backup kept apart from its server). */
  readonly waitForArchive?: boolean;
}

export interface BaseBackupResult {
  readonly startLsn: string;
  readonly stopLsn: string;
  readonly bytes: number;
}

/**
 * A base backup without pg_basebackup (the npm binaries do not ship it), with PostgreSQL's low-level API:
 * `pg_backup_start` in one session, a copy of the data directory while the server runs (torn pages are repaired
 * from WAL: full_page_writes is on), `pg_backup_stop` in the same session, whose label file is written into the
 * copy as `backup_label`. Recovery of the copy starts from that label's checkpoint and is consistent once it has
 * replayed the WAL up to `stopLsn`, which the copy streams from the source or reads from the archive.
 */
export async function takeBaseBackup(options: BaseBackupOptions): Promise<BaseBackupResult> {
  const session = new pg.Client({ connectionString: options.adminUrl, connectionTimeoutMillis: 5_000 });
  await session.connect();
  try {
    if (options.slot) {
      await session.query(
        'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
        [options.slot],
      );
      const existing = await session.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [
        options.slot,
      ]);
      if (!existing.rowCount) {
        await session.query('SELECT pg_create_physical_replication_slot($1, true)', [options.slot]);
      }
    }
    const started = await session.query<{ lsn: string }>('SELECT pg_backup_start($1, true) AS lsn', [
      options.label,
    ]);
    let bytes = 0;
    try {
      await rm(options.targetDir, { recursive: true, force: true });
      bytes = await copyTree(options.sourceDir, options.targetDir, options.user, true);
    } catch (error) {
      await session.query('SELECT pg_backup_stop(false)').catch(() => {});
      throw error;
    }
    const stopped = await session.query<{ lsn: string; labelfile: string; spcmapfile: string }>(
      'SELECT lsn, labelfile, spcmapfile FROM pg_backup_stop($1)',
      [options.waitForArchive ?? false],
    );
    const stop = stopped.rows[0];
    if (!stop) throw new Error('pg_backup_stop returned nothing');
    await writeOwned(join(options.targetDir, 'backup_label'), stop.labelfile, options.user);
    if (stop.spcmapfile) {
      await writeOwned(join(options.targetDir, 'tablespace_map'), stop.spcmapfile, options.user);
    }
    return { startLsn: started.rows[0]?.lsn ?? '', stopLsn: stop.lsn, bytes };
  } finally {
    await session.end().catch(() => {});
  }
}

export async function writeOwned(file: string, content: string, user: ServerUser | undefined): Promise<void> {
  await writeFile(file, content, { mode: 0o600 });
  if (user) await chown(file, user.uid, user.gid);
}

/**
 * Copies `source` into `target` file by file; a file that vanishes while copied (a dropped relation, a temporary
 * file) is skipped, as PostgreSQL's documentation allows. Directories are created 0700 and owned by `user`.
 */
export async function copyTree(
  source: string,
  target: string,
  user: ServerUser | undefined,
  top: boolean,
): Promise<number> {
  await mkdir(target, { mode: 0o700 });
  if (user) await chown(target, user.uid, user.gid);
  let bytes = 0;
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(source, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  for (const entry of entries) {
    const from = join(source, entry.name);
    const to = join(target, entry.name);
    if (entry.name.startsWith('pgsql_tmp')) continue;
    if (entry.isDirectory()) {
      if (top && EMPTY_DIRECTORIES.has(entry.name)) {
        await mkdir(to, { mode: 0o700 });
        if (user) await chown(to, user.uid, user.gid);
        if (entry.name === 'pg_wal') {
          await mkdir(join(to, 'archive_status'), { mode: 0o700 });
          if (user) await chown(join(to, 'archive_status'), user.uid, user.gid);
        }
        continue;
      }
      bytes += await copyTree(from, to, user, false);
    } else if (entry.isFile()) {
      if (top && SKIPPED_FILES.has(entry.name)) continue;
      try {
        await copyFile(from, to);
        bytes += (await stat(to)).size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      if (user) await chown(to, user.uid, user.gid);
    }
  }
  return bytes;
}
