import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HEAL_PANELS, seriesExpr } from '@rebound/grafana';
import { skipUnlessBinary } from '@rebound/testing';
import { stringify } from 'yaml';
import { dashboardExprs, expandGrafanaVariables, generatedDashboards, run } from '../src/index.ts';
import { DASHBOARDS_DIR, GRAFANA_DIR } from '../src/repo.paths.ts';

const promtool = skipUnlessBinary('promtool', 'prometheus');

describe('Grafana dashboards', () => {
  it('are the five the platform promises, equal to their generator (pnpm dashboards)', () => {
    const generated = generatedDashboards();
    assert.deepEqual([...generated.keys()].sort(), [
      'rebound-heal.json',
      'rebound-kafka.json',
      'rebound-overview.json',
      'rebound-runtime.json',
      'rebound-service.json',
    ]);
    for (const [file, text] of generated) {
      assert.deepEqual(
        JSON.parse(readFileSync(`${DASHBOARDS_DIR}/${file}`, 'utf8')),
        JSON.parse(text),
        `${file}: run pnpm dashboards`,
      );
    }
  });

  it('show the heal view’s panels from its catalogue (@rebound/grafana): same titles, units and figures', () => {
    const committed = (uid: string) =>
      JSON.parse(readFileSync(`${DASHBOARDS_DIR}/${uid}.json`, 'utf8')) as {
        panels: { title: string; fieldConfig: { defaults: { unit: string } }; targets: { expr: string }[] }[];
      };
    const shape = (panels: ReturnType<typeof committed>['panels']) =>
      panels.map((p) => [p.title, p.fieldConfig.defaults.unit, p.targets.map((t) => t.expr)]);
    const catalogue = HEAL_PANELS.map((p) => [p.title, p.unit, p.series.map((s) => seriesExpr(p, s))]);
    assert.deepEqual(shape(committed('rebound-heal').panels), catalogue);
    // The overview's traffic, success ratio and p99 are the heal view's service panels.
    const services = catalogue.filter((_, i) => HEAL_PANELS[i]?.section === 'services');
    const overview = shape(committed('rebound-overview').panels);
    for (const panel of services)
      assert.ok(overview.some((p) => JSON.stringify(p) === JSON.stringify(panel)));
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
