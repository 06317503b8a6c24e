import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { skipUnlessBinary } from '@rebound/testing';
import { stringify } from 'yaml';
import { dashboardExprs, expandGrafanaVariables, generatedDashboards, run } from '../src/index.ts';
import { DASHBOARDS_DIR, GRAFANA_DIR } from '../src/paths.ts';

const promtool = skipUnlessBinary('promtool', 'prometheus');

describe('Grafana dashboards', () => {
  it('are the four the platform promises, equal to their generator (test/monitoring/src/dashboards.ts)', () => {
    const generated = generatedDashboards();
    assert.deepEqual([...generated.keys()].sort(), [
      'rebound-kafka.json',
      'rebound-overview.json',
      'rebound-runtime.json',
      'rebound-service.json',
    ]);
    for (const [file, text] of generated) {
      assert.deepEqual(
        JSON.parse(readFileSync(`${DASHBOARDS_DIR}/${file}`, 'utf8')),
        JSON.parse(text),
        `${file}: run pnpm --filter @rebound/monitoring-tests run generate (then biome format)`,
      );
    }
  });

  it('use the provisioned datasource uid', () => {
    const datasource = readFileSync(`${GRAFANA_DIR}/provisioning/datasources/prometheus.yml`, 'utf8');
    assert.match(datasource, /uid: prometheus/);
    for (const text of generatedDashboards().values()) {
      for (const match of text.matchAll(/"uid": "([^"]+)"/g)) {
        if (
          match.index !== undefined &&
          text.slice(match.index - 40, match.index).includes('"type": "prometheus"')
        )
          assert.equal(match[1], 'prometheus');
      }
    }
  });

  it('parse: every expression, with Grafana variables expanded, is valid PromQL (promtool)', {
    skip: promtool,
  }, () => {
    const exprs = dashboardExprs();
    assert.ok(exprs.length > 30, `only ${exprs.length} expressions found`);
    const dir = mkdtempSync(join(tmpdir(), 'rebound-dashboards-'));
    try {
      const file = join(dir, 'dashboards.rules.yml');
      const rules = exprs.map((e, i) => ({
        record: `dashboard:expr_${i}:check`,
        expr: expandGrafanaVariables(e.expr),
      }));
      writeFileSync(file, stringify({ groups: [{ name: 'dashboards', rules }] }));
      const result = run('promtool', ['check', 'rules', file]);
      assert.equal(result.status, 0, result.output);
      assert.match(result.output, new RegExp(`SUCCESS: ${exprs.length} rules found`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a broken expression fails the same check (the check can fail)', { skip: promtool }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'rebound-dashboards-'));
    try {
      const file = join(dir, 'bad.rules.yml');
      writeFileSync(
        file,
        stringify({ groups: [{ name: 'x', rules: [{ record: 'x:y', expr: 'sum by (a (rate(x[1m])' }] }] }),
      );
      assert.notEqual(run('promtool', ['check', 'rules', file]).status, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
