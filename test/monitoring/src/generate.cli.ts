// Writes infra/prometheus/rules/slo.rules.yml and infra/grafana/dashboards/*.json (the heal dashboard from @rebound/grafana): pnpm dashboards
import { mkdirSync, writeFileSync } from 'node:fs';
import { DASHBOARDS, dashboardJson } from './grafana.dashboards.ts';
import { DASHBOARDS_DIR, SLO_RULES_FILE } from './repo.paths.ts';
import { ruleFileText } from './rule-file.format.ts';
import { sloRuleGroups } from './slo.rules.ts';

writeFileSync(SLO_RULES_FILE, ruleFileText(sloRuleGroups()));
process.stdout.write(`wrote ${SLO_RULES_FILE}\n`);
mkdirSync(DASHBOARDS_DIR, { recursive: true });
for (const spec of DASHBOARDS) {
  const file = `${DASHBOARDS_DIR}/${spec.uid}.json`;
  writeFileSync(file, `${JSON.stringify(dashboardJson(spec), null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
}
