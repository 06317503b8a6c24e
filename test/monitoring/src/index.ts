export { run } from './binary.runner.ts';
export type { DashboardSpec, Panel } from './grafana.dashboards.ts';
export { DASHBOARDS, dashboardJson } from './grafana.dashboards.ts';
export type { DashboardExpr, LoadedRule } from './monitoring.files.ts';
export {
  alertTestCoverage,
  dashboardExprs,
  expandGrafanaVariables,
  generatedDashboards,
  loadRules,
  ruleFiles,
  ruleTestFiles,
} from './monitoring.files.ts';
export { exportedFamilies, isExported, metricNames } from './promql.names.ts';
export {
  ALERTMANAGER_DIR,
  GRAFANA_DIR,
  PROMETHEUS_DIR,
  REPO_ROOT,
  RULES_DIR,
  RUNBOOKS_DIR,
} from './repo.paths.ts';
export { ruleFileText } from './rule-file.format.ts';
export type { Rule, RuleGroup, Slo, SloRuleOptions } from './slo.rules.ts';
export { CHECKOUT_LATENCY_THRESHOLD_SECONDS, CHECKOUT_SLOS, sloRuleGroups, windowName } from './slo.rules.ts';
