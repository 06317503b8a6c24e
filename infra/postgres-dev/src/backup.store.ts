import { existsSync } from 'node:fs';
import { chown, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { restoreCommand } from './archive.settings.ts';
import { copyTree, takeBaseBackup, writeOwned } from './base.backup.ts';
import { readClusterState, SUPERUSER_PASSWORD_FILE, writeClusterState } from './cluster.state.ts';
import type { ServerUser } from './server.user.ts';
import { forgetCopy } from './standby.config.ts';

/** What `<backup-dir>/base/<id>/backup.json` records about one base backup. */
export interface BackupRecord {
  readonly id: string;
  readonly from: string;
  readonly startLsn: string;
  readonly stopLsn: string;
  readonly startedAt: string;
  /** The backup is consistent from this moment on: a restore can reach any time after it. */
  readonly finishedAt: string;
  readonly bytes: number;
}

const baseDir = (backupDir: string) => join(backupDir, 'base');

/**
 * A base backup of the cluster's current primary into `<backup-dir>/base/<id>`, kept apart from the server: its
 * WAL is waited for in the archive, so the backup plus the archive restore without the server. The copy is made
 * under a temporary name and renamed when complete.
 */
export async function backupCluster(options: {
  readonly clusterDir: string;
  readonly backupDir: string;
  readonly user: ServerUser | undefined;
  readonly now?: () => Date;
}): Promise<BackupRecord> {
  const now = options.now ?? (() => new Date());
  const state = await readClusterState(options.clusterDir);
  const primary = state.instances[state.primary];
  if (!primary) throw new Error(`the primary ${state.primary} has no address`);
  const password = (await readFile(join(options.clusterDir, SUPERUSER_PASSWORD_FILE), 'utf8')).trim();
  const startedAt = now();
  const id = startedAt.toISOString().replace(/[:.]/g, '-');
  const target = join(baseDir(options.backupDir), id);
  const staging = `${target}.partial`;
  await mkdir(staging, { recursive: true });
  const result = await takeBaseBackup({
    adminUrl: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${primary.port}/postgres`,
    sourceDir: join(primary.dataDir, 'pgdata'),
    targetDir: join(staging, 'pgdata'),
    user: options.user,
    label: `backup ${id}`,
    waitForArchive: true,
  });
  const record: BackupRecord = {
    id,
    from: state.primary,
    startLsn: result.startLsn,
    stopLsn: result.stopLsn,
    startedAt: startedAt.toISOString(),
    finishedAt: now().toISOString(),
    bytes: result.bytes,
  };
  await writeFile(join(staging, 'backup.json'), `${JSON.stringify(record, null, 2)}\n`);
  await rename(staging, target);
  return record;
}

export async function listBackups(backupDir: string): Promise<BackupRecord[]> {
  const dir = baseDir(backupDir);
  if (!existsSync(dir)) return [];
  const records: BackupRecord[] = [];
  for (const entry of await readdir(dir)) {
    const file = join(dir, entry, 'backup.json');
    if (entry.endsWith('.partial') || !existsSync(file)) continue;
    records.push(JSON.parse(await readFile(file, 'utf8')) as BackupRecord);
  }
  return records.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
}

/**
 * Restores the cluster (stopped) to `target` (a time, or the end of the archive): every instance's data is put
 * aside, the newest base backup finished before the target is copied into the first instance, which becomes the
 * primary of a new generation and replays the archive up to the target before it takes writes
 * (`recovery.signal`, `restore_command`, `recovery_target_time`, promote at the end). The other instances copy it
 * afresh when they start, as after a failover.
 */
export async function restoreCluster(options: {
  readonly clusterDir: string;
  readonly backupDir: string;
  readonly target: Date | 'latest';
  readonly user: ServerUser | undefined;
}): Promise<{ backup: BackupRecord; primary: string }> {
  const { target } = options;
  const candidates = (await listBackups(options.backupDir)).filter(
    (b) => target === 'latest' || new Date(b.finishedAt) <= target,
  );
  const backup = candidates.at(-1);
  if (!backup) {
    throw new Error(
      `no base backup in ${baseDir(options.backupDir)} finished before ${target === 'latest' ? 'now' : target.toISOString()}: run pnpm dr:backup first`,
    );
  }
  const state = await readClusterState(options.clusterDir);
  const names = Object.keys(state.instances).sort();
  const primary = names[0] as string;
  for (const name of names) {
    const instance = state.instances[name];
    if (!instance) continue;
    const pgdata = join(instance.dataDir, 'pgdata');
    if (existsSync(join(pgdata, 'postmaster.pid'))) {
      throw new Error(`${pgdata} has a postmaster.pid: stop the platform before restoring`);
    }
    await forgetCopy(instance.dataDir);
    if (existsSync(pgdata)) await rename(pgdata, `${pgdata}.before-restore-${Date.parse(backup.finishedAt)}`);
  }
  const into = state.instances[primary];
  if (!into) throw new Error(`no instance ${primary}`);
  const pgdata = join(into.dataDir, 'pgdata');
  await mkdir(into.dataDir, { recursive: true });
  await copyTree(join(baseDir(options.backupDir), backup.id, 'pgdata'), pgdata, options.user, false);
  const conf = [
    '# Written by pnpm dr:restore: archive recovery, then promotion.',
    `restore_command = '${restoreCommand(options.backupDir).replace(/'/g, "''")}'`,
    "recovery_target_timeline = 'latest'",
    ...(target === 'latest'
      ? []
      : [`recovery_target_time = '${target.toISOString()}'`, "recovery_target_action = 'promote'"]),
    '',
  ].join('\n');
  await writeOwned(join(pgdata, 'postgresql.auto.conf'), conf, options.user);
  await writeOwned(join(pgdata, 'recovery.signal'), '', options.user);
  if (options.user) await chown(pgdata, options.user.uid, options.user.gid);
  await writeClusterState(options.clusterDir, {
    ...state,
    primary,
    generation: state.generation + 1,
    synchronousStandby: null,
  });
  return { backup, primary };
}

export async function removeBackup(backupDir: string, id: string): Promise<void> {
  await rm(join(baseDir(backupDir), id), { recursive: true, force: true });
}
