import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  combine,
  DEFAULT_THRESHOLDS,
  judge,
  parseSnapshot,
  starved,
  windowOf,
} from '../src/rollout.analysis.ts';
import { parseRolloutRequest } from '../src/rollout.routes.ts';

const op = 'rebound.catalog.v1.CatalogService/ListProducts';

/** /metrics text as a catalog replica writes it: `ok` fast calls, `slow` at 0.5 s, `errors` UNAVAILABLE. */
function metrics(ok: number, errors: number, slow = 0, rss = 100e6): string {
  const bucket = (le: string, n: number) =>
    `rebound_rpc_server_duration_seconds_bucket{le="${le}",operation="${op}",outcome="OK",service="catalog"} ${n}`;
  return [
    '# HELP rebound_rpc_server_requests_total x',
    `rebound_rpc_server_requests_total{operation="${op}",outcome="OK",service="catalog"} ${ok + slow}`,
    `rebound_rpc_server_requests_total{operation="${op}",outcome="UNAVAILABLE",service="catalog"} ${errors}`,
    `rebound_rpc_server_requests_total{operation="${op}",outcome="NOT_FOUND",service="catalog"} 7`,
    `rebound_rpc_server_requests_total{operation="grpc.health.v1.Health/Check",outcome="UNAVAILABLE",service="catalog"} 99`,
    bucket('0.005', ok),
    bucket('0.1', ok),
    bucket('1', ok + slow),
    bucket('+Inf', ok + slow),
    `process_resident_memory_bytes{service="catalog"} ${rss}`,
  ].join('\n');
}

describe('rollout analysis', () => {
  it('tells a candidate the callers avoid (old replicas busy, it idle) from a fleet with no traffic', () => {
    const t = { ...DEFAULT_THRESHOLDS, minRequests: 10 };
    const window = (requests: number) => ({
      requests,
      errors: 0,
      errorRatio: 0,
      p99Seconds: undefined,
      rssBytes: undefined,
    });
    assert.equal(starved(window(8), window(300), 2, t), true, 'the traffic is there but not on it');
    assert.equal(starved(window(2), window(6), 2, t), false, 'no traffic to speak of anywhere');
    assert.equal(starved(window(12), window(300), 2, t), false, 'it has enough to be judged');
    assert.equal(starved(window(0), window(0), 0, t), false, 'no old replica to compare with');
  });

  it("reads calls, server failures (not callers' mistakes, not health checks) and the latency histogram", () => {
    const s = parseSnapshot(metrics(100, 5));
    assert.equal(s.requests, 112);
    assert.equal(s.errors, 5);
    assert.equal(s.buckets.get(0.005), 100);
    assert.equal(s.rssBytes, 100e6);
  });

  it("reads an HTTP server's series (the gateway): 5xx are failures, 4xx are not, latency of 2xx/3xx answers", () => {
    const s = parseSnapshot(
      [
        'rebound_http_server_requests_total{operation="GET /api/products",outcome="200",service="gateway"} 90',
        'rebound_http_server_requests_total{operation="GET /api/products",outcome="503",service="gateway"} 6',
        'rebound_http_server_requests_total{operation="POST /api/orders",outcome="400",service="gateway"} 4',
        'rebound_http_server_duration_seconds_bucket{le="0.05",operation="GET /api/products",outcome="200"} 80',
        'rebound_http_server_duration_seconds_bucket{le="+Inf",operation="GET /api/products",outcome="200"} 90',
        'rebound_http_server_duration_seconds_bucket{le="0.05",operation="GET /api/products",outcome="503"} 6',
        'rebound_http_server_duration_seconds_bucket{le="+Inf",operation="GET /api/products",outcome="503"} 6',
      ].join('\n'),
    );
    assert.equal(s.requests, 100);
    assert.equal(s.errors, 6);
    assert.deepEqual(
      [...s.buckets],
      [
        [0.05, 80],
        [Number.POSITIVE_INFINITY, 90],
      ],
    );
  });

  it('judges over the window only, and treats a counter that went down as a restart', () => {
    const w = windowOf(parseSnapshot(metrics(100, 0)), parseSnapshot(metrics(150, 10)));
    assert.equal(w.requests, 60);
    assert.equal(w.errors, 10);
    assert.equal(w.p99Seconds, 0.005);
    const restarted = windowOf(parseSnapshot(metrics(500, 0)), parseSnapshot(metrics(20, 2)));
    assert.equal(restarted.requests, 29);
  });

  it('waits for enough calls, fails on a higher error ratio, passes an equal one', () => {
    const base = combine([windowOf(parseSnapshot(metrics(0, 0)), parseSnapshot(metrics(200, 2)))]);
    const few = windowOf(parseSnapshot(metrics(0, 0)), parseSnapshot(metrics(5, 5)));
    assert.equal(judge(few, base, { ...DEFAULT_THRESHOLDS, minRequests: 20 }).outcome, 'wait');
    const bad = windowOf(parseSnapshot(metrics(0, 0)), parseSnapshot(metrics(30, 10)));
    const verdict = judge(bad, base, DEFAULT_THRESHOLDS);
    assert.equal(verdict.outcome, 'fail');
    assert.match(
      verdict.outcome === 'fail' ? verdict.reason : '',
      /error ratio: new 25\.0 % \(10\/40\) vs old 1\.0 % \(2\/202\)/,
    );
    const fine = windowOf(parseSnapshot(metrics(0, 0)), parseSnapshot(metrics(100, 1)));
    assert.equal(judge(fine, base, DEFAULT_THRESHOLDS).outcome, 'pass');
  });

  it('fails on a p99 above twice the old one and the slack, and on memory growth whatever the traffic', () => {
    const base = windowOf(parseSnapshot(metrics(0, 0)), parseSnapshot(metrics(200, 0)));
    const coldStart = windowOf(parseSnapshot(metrics(0, 0)), parseSnapshot(metrics(40, 0, 10)));
    assert.equal(judge(coldStart, base, DEFAULT_THRESHOLDS).outcome, 'pass', 'p99 of 50 calls is not judged');
    const slow = windowOf(parseSnapshot(metrics(0, 0)), parseSnapshot(metrics(50, 0, 50)));
    const verdict = judge(slow, base, DEFAULT_THRESHOLDS);
    assert.match(verdict.outcome === 'fail' ? verdict.reason : '', /p99 latency: new 1000 ms vs old 5 ms/);
    const leaking = windowOf(parseSnapshot(metrics(0, 0)), parseSnapshot(metrics(1, 0, 0, 400e6)));
    const memory = judge(leaking, base, DEFAULT_THRESHOLDS);
    assert.match(
      memory.outcome === 'fail' ? memory.reason : '',
      /memory: new replica resident 381 MiB vs old 95 MiB/,
    );
  });

  it('refuses a bad rollout request with the field named', () => {
    assert.throws(() => parseRolloutRequest({ process: 'catalog', to: 'v 2' }), /version: expected a name/);
    assert.throws(
      () => parseRolloutRequest({ process: 'catalog', to: 'v2', behaviour: 'explode=1' }),
      /behaviour: 'explode=1' is not one of/,
    );
    assert.throws(
      () => parseRolloutRequest({ process: 'catalog', to: 'v2', settings: { windowMs: -1 } }),
      /settings.windowMs: expected a number >= 0/,
    );
    assert.throws(
      () => parseRolloutRequest({ process: 'catalog', to: 'v2', extra: 1 }),
      /unknown field 'extra'/,
    );
    assert.deepEqual(parseRolloutRequest({ process: 'catalog', to: 'v2', behaviour: 'latency-ms=200' }).to, {
      name: 'v2',
      behaviour: 'latency-ms=200',
    });
  });
});
