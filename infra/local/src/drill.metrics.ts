import type { DrillRecord } from '@rebound/postgres-dev';

const seconds = (iso: string | undefined) => (iso === undefined ? 0 : Date.parse(iso) / 1000);

/**
 * The restore drill's outcome as the supervisor exports it (from `<backup-dir>/drill.json`, which `pnpm dr:drill`
 * writes): when the last drill ended and when the last one that passed ended (the last verified restore). A last
 * drill newer than the last verified restore is a failed drill (`PostgresRestoreDrillFailed`); an old verified
 * restore is `PostgresRestoreUnverified`.
 */
export function renderDrillMetrics(record: DrillRecord): string {
  const lines = [
    '# HELP rebound_postgres_last_verified_restore_timestamp_seconds When the last restore drill that passed ended (0: none yet).',
    '# TYPE rebound_postgres_last_verified_restore_timestamp_seconds gauge',
    `rebound_postgres_last_verified_restore_timestamp_seconds ${seconds(record.lastPassed?.finishedAt)}`,
    '# HELP rebound_postgres_last_drill_timestamp_seconds When the last restore drill ended, passed or failed (0: none yet).',
    '# TYPE rebound_postgres_last_drill_timestamp_seconds gauge',
    `rebound_postgres_last_drill_timestamp_seconds ${seconds(record.last?.finishedAt)}`,
  ];
  const { rtoMs, rpoMs } = record.lastPassed ?? {};
  if (rtoMs !== undefined) {
    lines.push(
      '# HELP rebound_postgres_last_verified_restore_rto_seconds Recovery time of the last drill that passed.',
      '# TYPE rebound_postgres_last_verified_restore_rto_seconds gauge',
      `rebound_postgres_last_verified_restore_rto_seconds ${rtoMs / 1000}`,
    );
  }
  if (rpoMs !== undefined) {
    lines.push(
      '# HELP rebound_postgres_last_verified_restore_rpo_seconds Acknowledged writes lost (as time) by the last drill that passed.',
      '# TYPE rebound_postgres_last_verified_restore_rpo_seconds gauge',
      `rebound_postgres_last_verified_restore_rpo_seconds ${rpoMs / 1000}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
