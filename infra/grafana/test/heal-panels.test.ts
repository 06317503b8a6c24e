import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { figureExpr, HEAL_PANELS, labelMatches, panelMetrics, seriesExpr } from '../src/index.ts';

describe('figureExpr', () => {
  it('writes a rate, a ratio and a quantile over the one rate window, grouped by the panel labels', () => {
    assert.equal(
      figureExpr({ kind: 'rate', metric: 'x_total' }, ['service']),
      'sum by (service) (rate(x_total[60s]))',
    );
    assert.equal(
      figureExpr({ kind: 'ratio', metric: 'x_total', good: { label: 'outcome', op: '!~', regex: '5..' } }, [
        'service',
      ]),
      '(sum by (service) (rate(x_total{outcome!~"5.."}[60s])) or 0 * sum by (service) (rate(x_total[60s]))) / sum by (service) (rate(x_total[60s]))',
    );
    assert.equal(
      figureExpr({ kind: 'quantile', q: 0.99, metric: 'x_seconds' }, ['service']),
      'histogram_quantile(0.99, sum by (service, le) (rate(x_seconds_bucket[60s])))',
    );
    assert.equal(
      figureExpr({ kind: 'max', metric: 'g' }, ['service', 'target']),
      'max by (service, target) (g)',
    );
    assert.equal(
      figureExpr({ kind: 'sum', metric: 'up', match: { label: 'job', op: '=~', regex: 'rebound-.*' } }, [
        'instance',
      ]),
      'sum by (instance) (up{job=~"rebound-.*"})',
    );
  });
});

describe('labelMatches', () => {
  it('anchors the regex at both ends, as PromQL does', () => {
    const good = { label: 'outcome', op: '!~', regex: '5..' } as const;
    assert.equal(labelMatches(good, { outcome: '200' }), true);
    assert.equal(labelMatches(good, { outcome: '503' }), false);
    assert.equal(labelMatches(good, { outcome: '1503' }), true, 'not anchored');
    const ok = { label: 'outcome', op: '=~', regex: 'OK' } as const;
    assert.equal(labelMatches(ok, { outcome: 'OK' }), true);
    assert.equal(labelMatches(ok, { outcome: 'NOT_OK' }), false);
    assert.equal(labelMatches(ok, {}), false);
  });
});

describe('HEAL_PANELS', () => {
  it('has unique ids and covers every part of the heal view, each with a series the heal view computes', () => {
    const ids = HEAL_PANELS.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(
      [...new Set(HEAL_PANELS.map((p) => p.section))],
      ['services', 'dependencies', 'edge', 'processes', 'alerts'],
    );
    for (const panel of HEAL_PANELS) {
      assert.ok(
        panel.series.some((s) => !s.grafanaOnly),
        `${panel.id}: no series the heal view computes`,
      );
      for (const series of panel.series) {
        const expr = seriesExpr(panel, series);
        assert.ok(expr.includes(series.figure.metric), `${panel.id}: ${expr}`);
      }
    }
    assert.deepEqual(panelMetrics(HEAL_PANELS.find((p) => p.id === 'p99') ?? HEAL_PANELS[0]!), [
      'rebound_http_server_duration_seconds',
      'rebound_rpc_server_duration_seconds',
    ]);
  });
});
