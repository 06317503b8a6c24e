import type { StatusReport } from './status.types.ts';

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * The supervisor's `/metrics` in the Prometheus text format (0.0.4): restarts, readiness and state per
 * replica. Hand-written because it is a dozen lines and the supervisor must stay dependency-free.
 */
export function renderMetrics(report: StatusReport): string {
  const replicas = report.rows.filter((row) => row.state !== 'Coming');
  const labels = (row: (typeof replicas)[number]) =>
    `process="${label(row.name)}",service="${label(row.process)}",replica="${row.replica}"`;
  const lines = [
    '# HELP rebound_supervisor_restarts_total Times the supervisor started a replica again after it exited.',
    '# TYPE rebound_supervisor_restarts_total counter',
    ...replicas.map((row) => `rebound_supervisor_restarts_total{${labels(row)}} ${row.restarts}`),
    '# HELP rebound_supervisor_process_ready Whether the replica passes its readiness probe (1) or not (0).',
    '# TYPE rebound_supervisor_process_ready gauge',
    ...replicas.map((row) => `rebound_supervisor_process_ready{${labels(row)}} ${row.ready ? 1 : 0}`),
    '# HELP rebound_supervisor_process_up Whether the replica has a running process (1) or not (0).',
    '# TYPE rebound_supervisor_process_up gauge',
    ...replicas.map(
      (row) => `rebound_supervisor_process_up{${labels(row)}} ${row.pid === undefined ? 0 : 1}`,
    ),
    '# HELP rebound_supervisor_process_crash_loop Whether the replica waits out a restart back-off (1) or not (0).',
    '# TYPE rebound_supervisor_process_crash_loop gauge',
    ...replicas.map(
      (row) =>
        `rebound_supervisor_process_crash_loop{${labels(row)}} ${row.state === 'CrashLoopBackOff' ? 1 : 0}`,
    ),
    '# HELP rebound_supervisor_uptime_seconds Seconds since the supervisor started.',
    '# TYPE rebound_supervisor_uptime_seconds gauge',
    `rebound_supervisor_uptime_seconds ${(report.uptimeMs / 1000).toFixed(3)}`,
  ];
  return `${lines.join('\n')}\n`;
}
