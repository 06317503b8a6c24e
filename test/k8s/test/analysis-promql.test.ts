/**
 * What the canary analysis decides, by promtool's rule unit tests: the AnalysisTemplates' queries (arguments
 * substituted as Argo does) over synthetic series of a canary and its stable pods, each wrapped in its metric's
 * successCondition as a PromQL comparison (1 = pass, 0 = fail, nothing = nothing to judge yet, which passes).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { skipUnlessBinary } from '@rebound/testing';
import { parseAllDocuments, stringify } from 'yaml';
import { type Json, K8S_DIR, MAX_SUCCESS_RATIO_DROP, TRAFFIC } from '../src/index.ts';

const CANARY = '6d8f7c9b5';
const STABLE = '5c4b7f8d6';
const dir = mkdtempSync(join(tmpdir(), 'rebound-analysis-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const templates = parseAllDocuments(
  readFileSync(join(K8S_DIR, 'base', 'analysis-templates.yaml'), 'utf8'),
).map((d) => d.toJS() as Json);
function query(template: string, metric: string): string {
  const t = templates.find((x) => x.metadata.name === template);
  const q = t?.spec.metrics.find((m: Json) => m.name === metric)?.provider.prometheus.query as string;
  assert.ok(q, `${template}/${metric}`);
  return q
    .replaceAll('{{args.service}}', 'catalog')
    .replaceAll('{{args.canary-hash}}', CANARY)
    .replaceAll('{{args.stable-hash}}', STABLE);
}

const GET = '/catalog.v1.CatalogService/GetProduct';
/** A series of the catalog's pod of `hash`; `values` in promtool's expanding notation, one sample per 15 s. */
const rpc = (hash: string, outcome: string, values: string, operation = GET) => ({
  series: `rebound_rpc_server_requests_total{service="catalog",rollouts_pod_template_hash="${hash}",operation="${operation}",outcome="${outcome}"}`,
  values,
});
const bucket = (hash: string, le: string, values: string) => ({
  series: `rebound_rpc_server_duration_seconds_bucket{service="catalog",rollouts_pod_template_hash="${hash}",operation="${GET}",outcome="OK",le="${le}"}`,
  values,
});
/** Calls answered in ≤ 50 ms (`fast`) or in 50-500 ms, `perStep` every 15 s. */
const latency = (hash: string, fast: boolean, perStep: number) => [
  bucket(hash, '0.05', fast ? `0+${perStep}x30` : '0+0x30'),
  bucket(hash, '0.5', `0+${perStep}x30`),
  bucket(hash, '+Inf', `0+${perStep}x30`),
  rpc(hash, 'OK', `0+${perStep}x30`),
];

const ratioPasses = (template: string) =>
  `(${query(template, 'success-ratio')}) >= bool -${MAX_SUCCESS_RATIO_DROP}`;
const p99Passes = (template: string) => `(${query(template, 'p99')}) <= bool 0`;

interface Case {
  name: string;
  series: { series: string; values: string }[];
  expr: string;
  /** 1 pass, 0 fail, undefined: no result (not judged yet). */
  expected: 0 | 1 | undefined;
}

const grpc = TRAFFIC.grpc.template;
const CASES: Case[] = [
  {
    name: 'a canary failing half its calls while the stable pods fail none fails',
    series: [rpc(CANARY, 'OK', '0+6x30'), rpc(CANARY, 'UNAVAILABLE', '0+6x30'), rpc(STABLE, 'OK', '0+30x30')],
    expr: ratioPasses(grpc),
    expected: 0,
  },
  {
    name: 'a clean canary passes while the stable pods fail a few',
    series: [rpc(CANARY, 'OK', '0+6x30'), rpc(STABLE, 'OK', '0+30x30'), rpc(STABLE, 'INTERNAL', '0+1x30')],
    expr: ratioPasses(grpc),
    expected: 1,
  },
  {
    name: 'a canary failing as often as the stable pods (a dependency down for all) passes',
    series: [
      rpc(CANARY, 'OK', '0+6x30'),
      rpc(CANARY, 'UNAVAILABLE', '0+6x30'),
      rpc(STABLE, 'OK', '0+30x30'),
      rpc(STABLE, 'UNAVAILABLE', '0+30x30'),
    ],
    expr: ratioPasses(grpc),
    expected: 1,
  },
  {
    name: 'a canary with no stable traffic to compare with is held to a 100 % - 2 points bar',
    series: [rpc(CANARY, 'OK', '0+6x30'), rpc(CANARY, 'UNAVAILABLE', '0+1x30')],
    expr: ratioPasses(grpc),
    expected: 0,
  },
  {
    name: 'callers mistakes (NOT_FOUND) are not the canary failing',
    series: [rpc(CANARY, 'OK', '0+6x30'), rpc(CANARY, 'NOT_FOUND', '0+6x30'), rpc(STABLE, 'OK', '0+30x30')],
    expr: ratioPasses(grpc),
    expected: 1,
  },
  {
    name: 'health checks do not dilute the canary failures',
    series: [
      rpc(CANARY, 'OK', '0+6x30'),
      rpc(CANARY, 'UNAVAILABLE', '0+6x30'),
      rpc(CANARY, 'OK', '0+1000x30', '/grpc.health.v1.Health/Check'),
      rpc(STABLE, 'OK', '0+30x30'),
    ],
    expr: ratioPasses(grpc),
    expected: 0,
  },
  {
    name: 'a canary that served under 20 calls in the window is not judged yet',
    series: [rpc(CANARY, 'UNAVAILABLE', '0+1x30'), rpc(STABLE, 'OK', '0+30x30')],
    expr: `(${query(grpc, 'success-ratio')})`,
    expected: undefined,
  },
  {
    name: 'a canary answering in 50-500 ms against stable pods under 50 ms fails on p99',
    series: [...latency(CANARY, false, 30), ...latency(STABLE, true, 30)],
    expr: p99Passes(grpc),
    expected: 0,
  },
  {
    name: 'a canary as fast as the stable pods passes on p99',
    series: [...latency(CANARY, true, 30), ...latency(STABLE, true, 30)],
    expr: p99Passes(grpc),
    expected: 1,
  },
  {
    name: 'a slow canary that answered under 100 calls in the window is not judged on p99 yet',
    series: [...latency(CANARY, false, 6), ...latency(STABLE, true, 30)],
    expr: `(${query(grpc, 'p99')})`,
    expected: undefined,
  },
  {
    name: 'the gateway canary answering 5xx to half its requests fails',
    series: [
      {
        series: `rebound_http_server_requests_total{service="catalog",rollouts_pod_template_hash="${CANARY}",operation="GET /api/products",outcome="200"}`,
        values: '0+6x30',
      },
      {
        series: `rebound_http_server_requests_total{service="catalog",rollouts_pod_template_hash="${CANARY}",operation="GET /api/products",outcome="503"}`,
        values: '0+6x30',
      },
    ],
    expr: ratioPasses(TRAFFIC.http.template),
    expected: 0,
  },
  {
    name: 'the consumer canary sending half its records to retry fails',
    series: [
      {
        series: `rebound_kafka_handler_requests_total{service="catalog",rollouts_pod_template_hash="${CANARY}",operation="orders.events",outcome="processed"}`,
        values: '0+6x30',
      },
      {
        series: `rebound_kafka_handler_requests_total{service="catalog",rollouts_pod_template_hash="${CANARY}",operation="orders.events",outcome="retry"}`,
        values: '0+6x30',
      },
    ],
    expr: ratioPasses(TRAFFIC.kafka.template),
    expected: 0,
  },
];

describe('the canary analysis decides as designed (promtool test rules)', {
  skip: skipUnlessBinary('promtool', 'prometheus'),
}, () => {
  const run = (cases: Case[]) => {
    const file = join(dir, 'analysis_tests.yml');
    writeFileSync(
      file,
      stringify({
        rule_files: [],
        evaluation_interval: '15s',
        tests: cases.map((c) => ({
          name: c.name,
          interval: '15s',
          input_series: c.series,
          promql_expr_test: [
            {
              expr: c.expr,
              eval_time: '5m',
              exp_samples: c.expected === undefined ? [] : [{ labels: '{}', value: c.expected }],
            },
          ],
        })),
      }),
    );
    return spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
  };

  it('passes, fails or waits on each case', () => {
    const result = run(CASES);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS/);
  });

  it('fails when a case expects the opposite verdict (the check is not vacuous)', () => {
    const flipped = CASES.filter((c) => c.expected !== undefined).map((c) => ({
      ...c,
      expected: (c.expected === 1 ? 0 : 1) as 0 | 1,
    }));
    const result = run(flipped);
    assert.notEqual(result.status, 0);
    // promtool prints one `exp: … got: …` pair per failed expression (not the test's name).
    const failed = (result.stdout + result.stderr).match(/^\s+got: \{\} /gm) ?? [];
    assert.equal(failed.length, flipped.length, result.stdout + result.stderr);
  });
});
