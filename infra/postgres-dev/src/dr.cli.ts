#!/usr/bin/env node
// Backups of the local runtime's replicated PostgreSQL (pnpm dr:backup, pnpm dr:restore; see docs/data.md):
//   node infra/postgres-dev/src/dr.cli.ts backup  [--data-dir .data]
//   node infra/postgres-dev/src/dr.cli.ts list    [--data-dir .data]
//   node infra/postgres-dev/src/dr.cli.ts restore --to <ISO time|latest> [--data-dir .data]   (platform stopped)
//   node infra/postgres-dev/src/dr.cli.ts prune   --keep <n> [--data-dir .data]   (the newest n base backups + their WAL)
// The cluster state is <data-dir>/postgres, backups and the WAL archive <data-dir>/backups.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pruneBackups } from './backup.retention.ts';
import { backupCluster, listBackups, restoreCluster } from './backup.store.ts';
import { serverUser } from './server.user.ts';

const USAGE =
  'usage: dr.cli.ts backup | list | restore --to <ISO time|latest> | prune --keep <n>  [--data-dir <dir>]';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string', default: '.data' },
      to: { type: 'string' },
      keep: { type: 'string' },
    },
  });
  const dataDir = resolve(values['data-dir']);
  const clusterDir = join(dataDir, 'postgres');
  const backupDir = join(dataDir, 'backups');
  const say = (line: string) => process.stdout.write(`${line}\n`);
  switch (positionals[0]) {
    case 'backup': {
      const began = performance.now();
      const record = await backupCluster({ clusterDir, backupDir, user: serverUser() });
      say(
        `base backup ${record.id} of ${record.from}: ${Math.round(record.bytes / 1024 / 1024)} MB, ` +
          `${record.startLsn} to ${record.stopLsn}, ${Math.round(performance.now() - began)} ms, in ${backupDir}/base`,
      );
      return 0;
    }
    case 'list': {
      for (const b of await listBackups(backupDir))
        say(`${b.id}  from ${b.from}  consistent at ${b.finishedAt}`);
      return 0;
    }
    case 'restore': {
      const to = values.to;
      const target = to === 'latest' ? 'latest' : to ? new Date(to) : undefined;
      if (!target || (target !== 'latest' && Number.isNaN(target.getTime()))) {
        process.stderr.write(`--to must be 'latest' or an ISO time (2026-12-07T11:30:00Z)\n${USAGE}\n`);
        return 2;
      }
      const { backup, primary } = await restoreCluster({ clusterDir, backupDir, target, user: serverUser() });
      say(
        `restored base backup ${backup.id} into ${primary}; on the next start it replays the WAL archive up to ` +
          `${target === 'latest' ? 'its end' : target.toISOString()} and becomes the primary (npm start)`,
      );
      return 0;
    }
    case 'prune': {
      const keep = Number(values.keep);
      if (!values.keep || !Number.isInteger(keep) || keep < 1) {
        process.stderr.write(`--keep must be a whole number of base backups, at least 1\n${USAGE}\n`);
        return 2;
      }
      const { kept, removed, walFilesRemoved } = await pruneBackups({ backupDir, keep });
      say(
        `kept ${kept.length} base backups (oldest ${kept[0]?.id ?? 'none'}), removed ${removed.length} and ` +
          `${walFilesRemoved} archived WAL files no kept backup needs`,
      );
      return 0;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`dr: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
