import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One run of the restore drill (`pnpm dr:drill`). */
export interface DrillOutcome {
  /** When the drill ended (ISO time). */
  readonly finishedAt: string;
  /** The restore came back whole within the bars (RTO, RPO, no hole in the acknowledged writes). */
  readonly passed: boolean;
  readonly rtoMs?: number;
  readonly rpoMs?: number;
  /** Why it failed, one line. */
  readonly reason?: string;
}

/** `<backup-dir>/drill.json`: the last drill and the last one that passed (the last verified restore). */
export interface DrillRecord {
  readonly last?: DrillOutcome;
  readonly lastPassed?: DrillOutcome;
}

export const DRILL_RECORD_FILE = 'drill.json';

/** The record in `backupDir`; an empty one when there is none or it cannot be read (never throws). */
export function readDrillRecord(backupDir: string): DrillRecord {
  try {
    const value = JSON.parse(readFileSync(join(backupDir, DRILL_RECORD_FILE), 'utf8')) as DrillRecord;
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    return {};
  }
}

/** Adds one drill to the record (written whole under a temporary name, then renamed) and returns it. */
export async function recordDrill(backupDir: string, outcome: DrillOutcome): Promise<DrillRecord> {
  const before = readDrillRecord(backupDir);
  const record: DrillRecord = {
    last: outcome,
    ...(outcome.passed
      ? { lastPassed: outcome }
      : before.lastPassed
        ? { lastPassed: before.lastPassed }
        : {}),
  };
  await mkdir(backupDir, { recursive: true });
  const file = join(backupDir, DRILL_RECORD_FILE);
  await writeFile(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return record;
}
