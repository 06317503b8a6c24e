import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeOwned } from './base.backup.ts';
import type { DiskState } from './instance.role.ts';
import type { ServerUser } from './server.user.ts';

/** Beside PGDATA: which primary and generation a standby copy was taken from (see `decideRole`). */
const COPY_MARKER = 'standby.json';

/** `postgres-1` → `postgres_1`: replication slot names allow lower-case letters, digits and underscores only. */
export const slotName = (instance: string) => instance.replace(/[^a-z0-9_]/g, '_');

/** How `synchronous_standby_names` names a standby: its `application_name`, quoted (it has a dash). */
export const synchronousName = (instance: string) => `"${instance}"`;

export async function readDisk(dataDir: string, pgdata: string): Promise<DiskState> {
  const marker = join(dataDir, COPY_MARKER);
  let copiedFrom: DiskState['copiedFrom'];
  if (existsSync(marker)) {
    try {
      copiedFrom = JSON.parse(await readFile(marker, 'utf8')) as DiskState['copiedFrom'];
    } catch {
      copiedFrom = undefined;
    }
  }
  return {
    hasData: existsSync(join(pgdata, 'PG_VERSION')),
    isStandby: existsSync(join(pgdata, 'standby.signal')),
    ...(copiedFrom ? { copiedFrom } : {}),
  };
}

export async function forgetCopy(dataDir: string): Promise<void> {
  await rm(join(dataDir, COPY_MARKER), { force: true });
}

export interface StandbyConfig {
  readonly instance: string;
  readonly primary: string;
  readonly primaryPort: number;
  readonly generation: number;
  readonly superuserPassword: string;
  readonly user: ServerUser | undefined;
}

/**
 * Turns a base backup in `pgdata` into a streaming standby of the primary: `standby.signal`, and a
 * `postgresql.auto.conf` of its own (the primary's, copied with the files, is replaced: a standby inherits no
 * `synchronous_standby_names`) naming the primary, the standby's `application_name` (what the primary's
 * `synchronous_standby_names` matches) and its replication slot. The copy marker is written last: a crash before
 * it leaves a copy that the next start rebuilds.
 */
export async function configureStandby(
  dataDir: string,
  pgdata: string,
  config: StandbyConfig,
): Promise<void> {
  const password = config.superuserPassword.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  const conninfo = `host=127.0.0.1 port=${config.primaryPort} user=postgres password=${password} application_name=${config.instance}`;
  const conf = [
    '# Written by infra/postgres-dev when this standby was copied from its primary.',
    `primary_conninfo = '${conninfo.replace(/'/g, "''")}'`,
    `primary_slot_name = '${slotName(config.instance)}'`,
    "recovery_target_timeline = 'latest'",
    '',
  ].join('\n');
  await writeOwned(join(pgdata, 'postgresql.auto.conf'), conf, config.user);
  await writeOwned(join(pgdata, 'standby.signal'), '', config.user);
  await writeOwned(
    join(dataDir, COPY_MARKER),
    `${JSON.stringify({ primary: config.primary, generation: config.generation })}\n`,
    undefined,
  );
}
