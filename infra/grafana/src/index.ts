export { HEAL_PANELS } from './heal.panels.ts';
export {
  figureExpr,
  labelMatches,
  panelMetrics,
  RATE_WINDOW,
  RATE_WINDOW_SECONDS,
  seriesExpr,
} from './panel.promql.ts';
export type { Figure, LabelMatch, Panel, PanelSection, PanelSeries, PanelUnit } from './panel.types.ts';
