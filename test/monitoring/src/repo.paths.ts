import { fileURLToPath } from 'node:url';

/** The repository root (this file is `test/monitoring/src/repo.paths.ts`). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const PROMETHEUS_DIR = `${REPO_ROOT}infra/prometheus`;
export const ALERTMANAGER_DIR = `${REPO_ROOT}infra/alertmanager`;
export const GRAFANA_DIR = `${REPO_ROOT}infra/grafana`;
export const RULES_DIR = `${PROMETHEUS_DIR}/rules`;
export const RULE_TESTS_DIR = `${PROMETHEUS_DIR}/tests`;
export const RUNBOOKS_DIR = `${REPO_ROOT}docs/runbooks`;
export const SLO_RULES_FILE = `${RULES_DIR}/slo.rules.yml`;
export const DASHBOARDS_DIR = `${GRAFANA_DIR}/dashboards`;
