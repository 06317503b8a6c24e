import { HEAL_PANELS, type Panel, panelMetrics } from '@rebound/grafana';
import type { ProcessRow } from '../platform.target.ts';
import type { PanelValues } from './service.sampler.ts';

/** What the page needs of a catalogue panel to lay it out: the same title, unit and states as Grafana's. */
export interface PanelView {
  readonly id: string;
  readonly section: Panel['section'];
  readonly title: string;
  readonly unit: Panel['unit'];
  readonly description: string;
  readonly metrics: readonly string[];
  readonly states: readonly string[] | undefined;
}

export function panelViews(): PanelView[] {
  return HEAL_PANELS.map((panel) => ({
    id: panel.id,
    section: panel.section,
    title: panel.title,
    unit: panel.unit,
    description: panel.description,
    metrics: panelMetrics(panel),
    states: panel.states,
  }));
}

/**
 * The `processes` panels' values of one supervisor row: its `/status` fields, which the supervisor's
 * `/metrics` exports as the panels' metrics (infra/local/src/metrics.text.ts).
 */
export function processValues(row: ProcessRow): PanelValues {
  const fields = {
    ready: row.ready ? 1 : 0,
    restarts: row.restarts,
    crashLoop: row.state === 'CrashLoopBackOff' ? 1 : 0,
  };
  const values: Record<string, number | undefined> = {};
  for (const panel of HEAL_PANELS) {
    if (panel.section !== 'processes') continue;
    const figure = panel.series.find((s) => s.figure.kind === 'status')?.figure;
    values[panel.id] = figure?.kind === 'status' ? fields[figure.field] : undefined;
  }
  return values;
}
