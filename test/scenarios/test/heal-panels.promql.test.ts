// The heal view and Prometheus compute each heal panel's figure alike: the same series go to the heal view's
// sampler (as /metrics pages) and to `promtool test rules` (as input series), and every panel's PromQL must
// give what the heal view computed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HEAL_PANELS, RATE_WINDOW_SECONDS, seriesExpr } from '@rebound/grafana';
import type { Clock } from '@rebound/load';
import { skipUnlessBinary } from '@rebound/testing';
import { ServiceSampler } from '../src/heal/service.sampler.ts';

const promtool = skipUnlessBinary('promtool', 'prometheus');

/**
 * A series growing by `step` every 15 s from 0 (a gauge when step is 0 and start set), by `bend.step` from
 * `bend.at` seconds on: a rate that changes inside the window, so a figure taken over another window differs.
 */
interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly step: number;
  readonly start?: number;
  readonly bend?: { readonly at: number; readonly step: number };
}

/** The samples fed to both: every 15 s from 0 to 300 s; the heal view polls 240–300 s every 15 s too. */
const LAST = 300;

const gw = { service: 'gateway', instance: 'gateway-0' };
const gw1 = { service: 'gateway', instance: 'gateway-1' };
const cat = { service: 'catalog', instance: 'catalog-0' };
const op = { operation: 'GET /api/products' };
const SERIES: Series[] = [
  // The gateway, two replicas: 6/s OK + 0.667/s 503 on one, 2/s OK on the other.
  { name: 'rebound_http_server_requests_total', labels: { ...gw, ...op, outcome: '200' }, step: 90 },
  // Its 503s quadruple for the last 30 s of the window.
  {
    name: 'rebound_http_server_requests_total',
    labels: { ...gw, ...op, outcome: '503' },
    step: 10,
    bend: { at: 270, step: 40 },
  },
  { name: 'rebound_http_server_requests_total', labels: { ...gw1, ...op, outcome: '200' }, step: 30 },
  ...(
    [
      ['0.1', 80, 30],
      ['1', 100, 30],
      ['+Inf', 100, 30],
    ] as const
  ).flatMap(([le, a, b]) => [
    { name: 'rebound_http_server_duration_seconds_bucket', labels: { ...gw, ...op, le }, step: a },
    { name: 'rebound_http_server_duration_seconds_bucket', labels: { ...gw1, ...op, le }, step: b },
  ]),
  // Catalog failing every call: its success ratio is 0, not missing.
  { name: 'rebound_rpc_server_requests_total', labels: { ...cat, outcome: 'UNAVAILABLE' }, step: 15 },
  { name: 'rebound_rpc_server_duration_seconds_bucket', labels: { ...cat, le: '0.05' }, step: 3 },
  { name: 'rebound_rpc_server_duration_seconds_bucket', labels: { ...cat, le: '0.5' }, step: 15 },
  { name: 'rebound_rpc_server_duration_seconds_bucket', labels: { ...cat, le: '+Inf' }, step: 15 },
  // Decisions toward one dependency: a breaker open on one replica, retries on both.
  ...[gw, gw1].flatMap((replica, i) => [
    {
      name: 'rebound_resilience_breaker_state',
      labels: { ...replica, target: 'catalog/ListProducts' },
      step: 0,
      start: i,
    },
    {
      name: 'rebound_resilience_retries_total',
      labels: { ...replica, target: 'catalog/ListProducts' },
      step: 2,
    },
    { name: 'rebound_gateway_fallback_served_total', labels: { ...replica, source: 'cache' }, step: 1 },
  ]),
];

const labelText = (labels: Readonly<Record<string, string>>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;
const valueAt = (s: Series, seconds: number) => {
  const bendAt = s.bend?.at ?? Number.POSITIVE_INFINITY;
  const before = Math.min(seconds, bendAt);
  return (s.start ?? 0) + s.step * (before / 15) + (s.bend?.step ?? 0) * (Math.max(0, seconds - bendAt) / 15);
};

/** promtool's notation of the series' values at 0, 15, …, LAST s. */
function promValues(s: Series): string {
  if (s.bend === undefined) return `${s.start ?? 0}+${s.step}x${LAST / 15}`;
  const steps = s.bend.at / 15;
  const next = valueAt(s, s.bend.at + 15);
  return `${s.start ?? 0}+${s.step}x${steps} ${next}+${s.bend.step}x${(LAST - s.bend.at) / 15 - 1}`;
}

/** The /metrics pages of `service` at `seconds`, one per instance. */
function pages(service: string, seconds: number): string[] {
  const byInstance = new Map<string, string[]>();
  for (const s of SERIES.filter((x) => x.labels.service === service)) {
    const lines = byInstance.get(s.labels.instance as string) ?? [];
    lines.push(`${s.name}${labelText(s.labels)} ${valueAt(s, seconds)}`);
    byInstance.set(s.labels.instance as string, lines);
  }
  return [...byInstance.values()].map((lines) => lines.join('\n'));
}

describe('heal panels: the heal view and Prometheus agree', { skip: promtool }, () => {
  it('computes every panel it shows as its PromQL does on the same series (promtool test rules)', async () => {
    let now = 0;
    const clock: Clock = { now: () => now, setTimer: () => ({ cancel: () => {} }) };
    const sampler = new ServiceSampler({ clock, fetchPages: async (service) => pages(service, now / 1000) });
    // Polled every 15 s from 225 s: the reading at 225 s falls out of the one-minute window at 300 s.
    for (let seconds = LAST - RATE_WINDOW_SECONDS - 15; seconds <= LAST; seconds += 15) {
      now = seconds * 1000;
      await sampler.sample();
    }

    const tests: { expr: string; eval_time: string; exp_samples: { labels: string; value: number }[] }[] = [];
    const expect = (panelId: string, labels: Record<string, string>, value: number | undefined) => {
      const panel = HEAL_PANELS.find((p) => p.id === panelId);
      assert.ok(panel && value !== undefined, `${panelId} ${JSON.stringify(labels)}: no value`);
      const series = panel.series.filter((s) => !s.grafanaOnly);
      // The first series with data is the service's (HTTP for the gateway, gRPC for catalog).
      const expr = seriesExpr(panel, labels.service === 'gateway' ? series[0]! : (series[1] ?? series[0]!));
      // promtool compares exactly; rates and deltas differ in the last bits, so the check is |PromQL − heal| < 1e-9.
      tests.push({
        expr: `abs((${expr}) - ${value}) < bool 1e-9`,
        eval_time: `${LAST}s`,
        exp_samples: [{ labels: labelText(labels), value: 1 }],
      });
    };
    const services = Object.fromEntries(sampler.services().map((s) => [s.service, s.latest?.values ?? {}]));
    for (const service of ['gateway', 'catalog']) {
      for (const panel of HEAL_PANELS.filter((p) => p.section === 'services'))
        expect(panel.id, { service }, services[service]?.[panel.id]);
    }
    const dependency = sampler.dependencies().find((d) => d.target === 'catalog/ListProducts');
    for (const id of ['breaker', 'retries'])
      expect(id, { service: 'gateway', target: 'catalog/ListProducts' }, dependency?.values[id]);
    expect('fallbacks', { service: 'gateway' }, sampler.edge().fallbacks);
    // The fixture is not trivial: ratios off 1 and 0, a quantile inside a bucket, a breaker open.
    assert.equal(services.catalog?.successRatio, 0);
    assert.ok((services.gateway?.successRatio ?? 1) < 1 && (services.gateway?.p99 ?? 0) > 0.1);
    assert.equal(dependency?.values.breaker, 1);
    // Over the window, not the last poll: 360 + 120 200s and 20 + 80 503s in the minute (the last 15 s alone: 3/4).
    assert.ok(
      Math.abs((services.gateway?.successRatio ?? 0) - 480 / 580) < 1e-9,
      `${services.gateway?.successRatio}`,
    );

    const dir = mkdtempSync(join(tmpdir(), 'rebound-heal-panels-'));
    try {
      const file = join(dir, 'heal-panels.test.yml');
      const input_series = SERIES.map((s) => ({
        series: `${s.name}${labelText(s.labels)}`,
        values: promValues(s),
      }));
      // JSON is YAML: promtool reads it as is.
      writeFileSync(
        file,
        JSON.stringify({
          rule_files: [],
          tests: [{ interval: '15s', input_series, promql_expr_test: tests }],
        }),
      );
      const result = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
