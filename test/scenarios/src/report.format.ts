import type { ScenarioReport, TimelineEntry } from './scenario.runner.ts';
import type { Scenario } from './scenario.types.ts';

/** `  12.3s  injected    SIGKILL catalog-1` */
export function formatTimeline(scenario: string, entry: TimelineEntry): string {
  return `${scenario.padEnd(28)} ${(entry.atMs / 1000).toFixed(1).padStart(6)}s  ${entry.phase.padEnd(13)} ${entry.detail}`;
}

/** The verdict block printed after a run. */
export function formatReport(report: ScenarioReport): string {
  const o = report.observed;
  const ms = (value: number | string | undefined) =>
    value === undefined ? 'missed' : typeof value === 'string' ? value : `${(value / 1000).toFixed(1)} s`;
  const lines = [
    `${report.verdict.padEnd(12)} ${report.scenario} (${report.mechanism}, ${(report.durationMs / 1000).toFixed(0)} s)`,
    `  confirmed ${ms(o.confirmedAfterMs)} (bound ${report.expected.confirmWithinMs / 1000} s), detected ${ms(o.detectedAfterMs)} (bound ${report.expected.detectionWithinMs / 1000} s)` +
      (report.expected.alert ? `, alert ${report.expected.alert} ${ms(o.alertAfterMs)}` : ''),
    `  recovered ${ms(o.recoveredAfterMs)} after clearing (bound ${report.expected.recoveryWithinMs / 1000} s)`,
  ];
  for (const reason of report.reasons) lines.push(`  - ${reason}`);
  return lines.join('\n');
}

/** One line per scenario for `list`. */
export function formatList(scenarios: readonly Scenario[]): string {
  const width = Math.max(...scenarios.map((s) => s.name.length));
  return scenarios
    .map((s) => `${s.name.padEnd(width)}  ${s.mechanism.padEnd(19)} ${s.ci ? 'ci ' : '   '} ${s.proves}`)
    .join('\n');
}
