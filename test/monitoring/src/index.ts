export {
  ALERTMANAGER_DIR,
  GRAFANA_DIR,
  PROMETHEUS_DIR,
  REPO_ROOT,
  RULES_DIR,
  RUNBOOKS_DIR,
} from './paths.ts';
export { ruleFileText } from './rule-file.ts';
export type { Rule, RuleGroup, Slo, SloRuleOptions } from './slo.rules.ts';
export { CHECKOUT_LATENCY_THRESHOLD_SECONDS, CHECKOUT_SLOS, sloRuleGroups, windowName } from './slo.rules.ts';
