// Writes infra/prometheus/rules/slo.rules.yml from the SLO definitions: node test/monitoring/src/generate.cli.ts
import { writeFileSync } from 'node:fs';
import { SLO_RULES_FILE } from './paths.ts';
import { ruleFileText } from './rule-file.ts';
import { sloRuleGroups } from './slo.rules.ts';

writeFileSync(SLO_RULES_FILE, ruleFileText(sloRuleGroups()));
process.stdout.write(`wrote ${SLO_RULES_FILE}\n`);
