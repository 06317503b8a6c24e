import type { StatusReport, StatusRow } from './status.types.ts';

/** `1h02m`, `3m05s`, `12s`, `350ms`: short enough for a table cell. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

function state(row: StatusRow): string {
  if (row.state === 'CrashLoopBackOff' && row.restartInMs !== undefined) {
    return `CrashLoopBackOff (${formatDuration(row.restartInMs)})`;
  }
  return row.state;
}

function ports(row: StatusRow): string {
  const parts: string[] = [];
  if (row.port !== undefined) parts.push(String(row.port));
  if (row.adminPort !== undefined) parts.push(`admin ${row.adminPort}`);
  return parts.join(', ') || '-';
}

function lastColumn(row: StatusRow): string {
  if (row.detail) return row.detail;
  if (row.uptimeMs !== undefined) return `up ${formatDuration(row.uptimeMs)}`;
  if (row.lastExit) return `exit ${row.lastExit.code ?? row.lastExit.signal}`;
  return '';
}

/** The one-screen table printed when everything is ready and by `status`. */
export function renderStatusTable(report: StatusReport): string {
  const header = ['NAME', 'PID', 'STATE', 'READY', 'RESTARTS', 'PORTS', 'UPTIME / NOTE'];
  const body = report.rows.map((row) => [
    row.name,
    row.pid === undefined ? '-' : String(row.pid),
    state(row),
    row.state === 'Coming' ? '-' : row.ready ? 'yes' : 'no',
    row.state === 'Coming' ? '-' : String(row.restarts),
    ports(row),
    lastColumn(row),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => cells[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const replicas = report.rows.filter((row) => row.state !== 'Coming');
  const ready = replicas.filter((row) => row.ready).length;
  const summary = `${ready}/${replicas.length} ready, supervisor up ${formatDuration(report.uptimeMs)}`;
  const urls = report.urls.map(({ name, url }) => `${name}: ${url}`);
  return [line(header), ...body.map(line), '', summary, ...urls].join('\n');
}
