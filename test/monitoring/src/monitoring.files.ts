import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DASHBOARDS, dashboardJson } from './grafana.dashboards.ts';
import { DASHBOARDS_DIR, RULE_TESTS_DIR, RULES_DIR } from './repo.paths.ts';
import type { Rule, RuleGroup } from './slo.rules.ts';

export interface LoadedRule extends Rule {
  readonly file: string;
}

/** Every rule of `infra/prometheus/rules/*.yml`, with its file. */
export function loadRules(): LoadedRule[] {
  return ruleFiles().flatMap((file) => {
    const { groups } = parse(readFileSync(file, 'utf8')) as { groups: RuleGroup[] };
    return groups.flatMap((group) => group.rules.map((rule) => ({ ...rule, file })));
  });
}

export function ruleFiles(): string[] {
  return readdirSync(RULES_DIR)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => `${RULES_DIR}/${f}`);
}

export function ruleTestFiles(): string[] {
  return readdirSync(RULE_TESTS_DIR)
    .filter((f) => f.endsWith('.test.yml'))
    .map((f) => `${RULE_TESTS_DIR}/${f}`);
}

interface AlertRuleTest {
  readonly alertname: string;
  readonly exp_alerts?: readonly unknown[];
}

/** For each alert name: how many promtool cases expect it to fire, and how many expect silence. */
export function alertTestCoverage(): Map<string, { fires: number; quiet: number }> {
  const coverage = new Map<string, { fires: number; quiet: number }>();
  for (const file of ruleTestFiles()) {
    const { tests } = parse(readFileSync(file, 'utf8')) as {
      tests: { alert_rule_test?: AlertRuleTest[] }[];
    };
    for (const test of tests) {
      for (const check of test.alert_rule_test ?? []) {
        const entry = coverage.get(check.alertname) ?? { fires: 0, quiet: 0 };
        if ((check.exp_alerts ?? []).length > 0) entry.fires += 1;
        else entry.quiet += 1;
        coverage.set(check.alertname, entry);
      }
    }
  }
  return coverage;
}

export interface DashboardExpr {
  readonly dashboard: string;
  readonly panel: string;
  readonly expr: string;
}

/** Every target expression of the committed dashboard files. */
export function dashboardExprs(): DashboardExpr[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      const json = JSON.parse(readFileSync(`${DASHBOARDS_DIR}/${f}`, 'utf8')) as {
        uid: string;
        panels: { title: string; targets: { expr: string }[] }[];
      };
      return json.panels.flatMap((panel) =>
        panel.targets.map((t) => ({ dashboard: json.uid, panel: panel.title, expr: t.expr })),
      );
    });
}

/**
 * A dashboard expression made valid PromQL outside Grafana: its variables replaced by what Grafana would
 * put there (`$service` → a regex of all, `$__rate_interval` → a range).
 */
export function expandGrafanaVariables(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$service', '.+');
}

/** The dashboard files as the generator would write them (to compare with the committed ones). */
export function generatedDashboards(): Map<string, string> {
  return new Map(
    DASHBOARDS.map((spec) => [`${spec.uid}.json`, `${JSON.stringify(dashboardJson(spec), null, 2)}\n`]),
  );
}
