import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { skipUnlessBinary } from '@rebound/testing';
import { parse } from 'yaml';
import {
  alertTestCoverage,
  loadRules,
  metricNames,
  ruleFiles,
  ruleFileText,
  ruleTestFiles,
  run,
  sloRuleGroups,
} from '../src/index.ts';
import { PROMETHEUS_DIR, REPO_ROOT, SLO_RULES_FILE } from '../src/repo.paths.ts';

const promtool = skipUnlessBinary('promtool', 'prometheus');

describe('Prometheus configuration and rules (promtool)', { skip: promtool }, () => {
  it('accepts the local scrape configuration and the rule files it loads', () => {
    const result = run('promtool', ['check', 'config', `${PROMETHEUS_DIR}/prometheus.yml`]);
    assert.equal(result.status, 0, result.output);
    // Every rule file of infra/prometheus/rules is loaded, none forgotten.
    assert.match(result.output, new RegExp(`SUCCESS: ${ruleFiles().length} rule files found`));
  });

  it('accepts every rule file', () => {
    const result = run('promtool', ['check', 'rules', ...ruleFiles()]);
    assert.equal(result.status, 0, result.output);
  });

  it('passes the rule unit tests (promtool test rules)', () => {
    const result = run('promtool', ['test', 'rules', ...ruleTestFiles()]);
    assert.equal(result.status, 0, result.output);
    assert.doesNotMatch(result.output, /FAILED/);
  });
});

describe('alert rules', () => {
  const rules = loadRules();
  const alerts = rules.filter((rule) => rule.alert !== undefined);

  it('has the SLO and symptom alerts the platform promises', () => {
    assert.deepEqual(alerts.map((a) => a.alert).sort(), [
      'CatalogUnavailable',
      'CheckoutAvailabilityBudgetBurnFast',
      'CheckoutAvailabilityBudgetBurnSlow',
      'CheckoutLatencyBudgetBurnFast',
      'CheckoutLatencyBudgetBurnSlow',
      'CircuitBreakerOpenTooLong',
      'ConsumerLagGrowing',
      'DeadLetterQueueNotEmpty',
      'EventLoopLagHigh',
      'InstanceDown',
      'LoadSheddingSustained',
      'MemoryNearLimit',
      'NotificationsFailing',
      'OutboxBacklogOld',
      'PostgresBackupTooOld',
      'PostgresFailedOver',
      'PostgresRestoreDrillFailed',
      'PostgresRestoreUnverified',
      'PostgresStandbyBehind',
      'PostgresStandbyGone',
      'ProcessCrashLooping',
      'ReplicaErrorRatioOutlier',
      'ServiceDown',
      'ServiceErrorRatioHigh',
      'ServiceSaturated',
    ]);
  });

  it('gives every alert a severity, a summary, a description and a runbook that exists', () => {
    for (const alert of alerts) {
      assert.match(alert.labels?.severity ?? '', /^(page|ticket)$/, `${alert.alert}: severity`);
      assert.ok(alert.annotations?.summary, `${alert.alert}: summary`);
      assert.ok(alert.annotations?.description, `${alert.alert}: description`);
      assert.equal(alert.annotations?.runbook_url, `docs/runbooks/${alert.alert}.md`);
      const runbook = `${REPO_ROOT}${alert.annotations?.runbook_url}`;
      assert.ok(existsSync(runbook), `${alert.alert}: ${runbook} is missing`);
      const text = readFileSync(runbook, 'utf8');
      for (const section of ['## What it means', '## What to check', '## What to do']) {
        assert.ok(text.includes(section), `${runbook} has no "${section}"`);
      }
    }
  });

  it('has, for every alert, a promtool case where it fires and one where it stays quiet', () => {
    const coverage = alertTestCoverage();
    for (const alert of alerts) {
      const entry = coverage.get(alert.alert ?? '');
      assert.ok(entry && entry.fires > 0, `${alert.alert}: no case where it fires`);
      assert.ok(entry && entry.quiet > 0, `${alert.alert}: no case where it stays quiet`);
    }
  });

  it('reads recorded series only when a rule records them', () => {
    const recorded = new Set(rules.flatMap((rule) => (rule.record ? [rule.record] : [])));
    for (const rule of rules) {
      for (const name of metricNames(rule.expr).filter((n) => n.includes(':'))) {
        assert.ok(recorded.has(name), `${rule.alert ?? rule.record} reads ${name}, which nothing records`);
      }
    }
  });

  it('keeps slo.rules.yml equal to its generator (test/monitoring/src/slo.rules.ts)', () => {
    // Compared as data: biome may reformat the YAML.
    assert.deepEqual(
      parse(readFileSync(SLO_RULES_FILE, 'utf8')),
      parse(ruleFileText(sloRuleGroups())),
      'run: pnpm --filter @rebound/monitoring-tests run generate',
    );
  });
});
