import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HEAL_PANELS } from '@rebound/grafana';
import type { Clock } from '@rebound/load';
import { waitFor } from '@rebound/testing';
import { AlertLog } from '../src/heal/alert.log.ts';
import { startHealServer } from '../src/heal/heal.server.ts';
import { HealMonitor } from '../src/heal/heal.state.ts';
import { histogramQuantile, parseMetrics } from '../src/heal/metrics.parse.ts';
import { rolloutViews } from '../src/heal/remediation.view.ts';
import { ServiceSampler } from '../src/heal/service.sampler.ts';

function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  return {
    now: () => now,
    setTimer: () => ({ cancel: () => {} }),
    advance(ms) {
      now += ms;
    },
  };
}

const page = (requests: { ok: number; failed: number }, buckets: Record<string, number>, breaker = 0) =>
  [
    '# HELP rebound_http_server_requests_total x',
    `rebound_http_server_requests_total{operation="GET /api/products",outcome="200",service="gateway"} ${requests.ok}`,
    `rebound_http_server_requests_total{operation="GET /api/products",outcome="503",service="gateway"} ${requests.failed}`,
    ...Object.entries(buckets).map(
      ([le, count]) =>
        `rebound_http_server_duration_seconds_bucket{le="${le}",operation="GET /api/products",outcome="200"} ${count}`,
    ),
    `rebound_resilience_breaker_state{policy="rpc_client",target="catalog/ListProducts",service="gateway"} ${breaker}`,
    `rebound_resilience_retries_total{policy="rpc_client",target="catalog/ListProducts",service="gateway"} 4`,
    `rebound_gateway_fallback_served_total{source="catalog-cache",service="gateway"} 7`,
  ].join('\n');

describe('metrics parsing', () => {
  it('reads names, labels (escaped quotes included) and values, skipping other series', () => {
    const samples = parseMetrics('a_total{x="1",y="say \\"hi\\""} 3\nb_total 4\n# c\n', ['a_']);
    assert.deepEqual(samples, [{ name: 'a_total', labels: { x: '1', y: 'say "hi"' }, value: 3 }]);
  });

  it('interpolates a quantile inside its bucket as histogram_quantile does', () => {
    const buckets = new Map([
      [0.1, 50],
      [0.5, 90],
      [1, 100],
      [Number.POSITIVE_INFINITY, 100],
    ]);
    assert.equal(histogramQuantile(0.5, buckets), 0.1);
    assert.ok(Math.abs((histogramQuantile(0.99, buckets) ?? 0) - 0.95) < 1e-9);
    assert.equal(histogramQuantile(0.99, new Map([[Number.POSITIVE_INFINITY, 0]])), undefined);
  });
});

describe('ServiceSampler', () => {
  it('turns counter deltas into rate, success ratio and p99 per interval, and reads the dependencies', async () => {
    const clock = manualClock();
    let current = page({ ok: 0, failed: 0 }, { '0.1': 0, '1': 0, '+Inf': 0 });
    const sampler = new ServiceSampler({
      clock,
      fetchPages: async (service) => (service === 'gateway' ? [current] : []),
    });
    await sampler.sample();
    assert.equal(sampler.services()[0]?.latest, undefined, 'one sample is no interval');
    clock.advance(2_000);
    current = page({ ok: 18, failed: 2 }, { '0.1': 19, '1': 20, '+Inf': 20 }, 1);
    await sampler.sample();
    const gateway = sampler.services().find((s) => s.service === 'gateway');
    assert.equal(gateway?.latest?.values.rate, 10);
    assert.equal(gateway?.latest?.values.successRatio, 0.9);
    const p99 = gateway?.latest?.values.p99 ?? 0;
    assert.ok(p99 > 0.1 && p99 <= 1, `p99 ${p99} s`);
    assert.deepEqual(sampler.dependencies()[0], {
      service: 'gateway',
      target: 'catalog/ListProducts',
      values: { breaker: 1, retries: 4, budgetExhausted: 0, breakerRejections: 0, giveUps: 0 },
    });
    assert.deepEqual(sampler.edge(), { fallbacks: 7, sheds: 0, throttled: 0, blocked: 0 });
    assert.deepEqual(gateway?.flagsOn, []);
  });

  it('reads a gRPC service from its gRPC series, an OK outcome being a success', async () => {
    const clock = manualClock();
    const rpc = (ok: number, unavailable: number) =>
      [
        `rebound_rpc_server_requests_total{operation="ListProducts",outcome="OK",service="catalog"} ${ok}`,
        `rebound_rpc_server_requests_total{operation="ListProducts",outcome="UNAVAILABLE",service="catalog"} ${unavailable}`,
        `rebound_rpc_server_duration_seconds_bucket{le="0.05",operation="ListProducts"} ${ok + unavailable}`,
        `rebound_rpc_server_duration_seconds_bucket{le="+Inf",operation="ListProducts"} ${ok + unavailable}`,
      ].join('\n');
    let pages = [rpc(10, 0), rpc(5, 0)];
    const sampler = new ServiceSampler({ clock, fetchPages: async (s) => (s === 'catalog' ? pages : []) });
    await sampler.sample();
    clock.advance(4_000);
    pages = [rpc(40, 10), rpc(15, 0)];
    await sampler.sample();
    const catalog = sampler.services().find((s) => s.service === 'catalog')?.latest?.values;
    assert.equal(catalog?.rate, 12.5, '50 requests over both replicas in 4 s');
    assert.equal(catalog?.successRatio, 0.8);
    assert.ok((catalog?.p99 ?? 1) <= 0.05);
  });

  it('lists the degradation flags on at any replica of a service', async () => {
    const flag = (name: string, value: number) =>
      `rebound_degradation_flag{flag="${name}",service="gateway"} ${value}\n`;
    const sampler = new ServiceSampler({
      clock: manualClock(),
      fetchPages: async (service) =>
        service === 'gateway' ? [flag('serve-cached-catalog', 0), flag('serve-cached-catalog', 1)] : [],
    });
    await sampler.sample();
    const views = sampler.services();
    assert.deepEqual(views.find((s) => s.service === 'gateway')?.flagsOn, ['serve-cached-catalog']);
    assert.deepEqual(views.find((s) => s.service === 'notifications')?.flagsOn, []);
  });

  it('takes each figure over the rate window, from the first reading of a counter that appeared within it', async () => {
    const clock = manualClock();
    let current = '';
    const sampler = new ServiceSampler({
      clock,
      rateWindowSeconds: 10,
      fetchPages: async (s) => (s === 'gateway' && current !== '' ? [current] : []),
    });
    await sampler.sample(); // no traffic yet: the gateway exports no request counter
    clock.advance(2_000);
    current = page({ ok: 10, failed: 0 }, { '+Inf': 10 });
    await sampler.sample();
    clock.advance(2_000);
    current = page({ ok: 30, failed: 0 }, { '+Inf': 30 });
    await sampler.sample();
    const gateway = () => sampler.services().find((s) => s.service === 'gateway')?.latest?.values;
    assert.equal(gateway()?.rate, 10, '20 requests in the 2 s since the counter appeared');
    for (let i = 0; i < 5; i++) {
      clock.advance(2_000);
      current = page({ ok: 30 + (i + 1) * 2, failed: 0 }, { '+Inf': 30 + (i + 1) * 2 });
      await sampler.sample();
    }
    // At 14 s the window holds the readings from 4 s on (30, …, 40): 10 requests in 10 s.
    assert.equal(gateway()?.rate, 1);
  });

  it('takes a counter that went down as a restart, not as negative traffic', async () => {
    const clock = manualClock();
    let current = page({ ok: 100, failed: 0 }, { '+Inf': 100 });
    const sampler = new ServiceSampler({
      clock,
      fetchPages: async (s) => (s === 'gateway' ? [current] : []),
    });
    await sampler.sample();
    clock.advance(2_000);
    current = page({ ok: 3, failed: 0 }, { '+Inf': 3 });
    await sampler.sample();
    assert.equal(sampler.services()[0]?.history.length, 0);
  });
});

describe('AlertLog', () => {
  it('records an alert firing once and its resolution', () => {
    const log = new AlertLog();
    const alert = {
      name: 'ProcessCrashLooping',
      state: 'firing' as const,
      labels: { process: 'catalog-1' },
      activeAt: undefined,
    };
    log.update([alert], 1_000);
    log.update([alert], 2_000);
    log.update([], 3_000);
    assert.deepEqual(
      log.changes().map((c) => [c.atMs, c.change]),
      [
        [1_000, 'firing'],
        [3_000, 'resolved'],
      ],
    );
    assert.deepEqual(log.firing(), []);
  });
});

describe('heal server', () => {
  it('serves its state to anyone, refuses changes without the token, and says when no platform is connected', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rebound-heal-'));
    const monitor = new HealMonitor({ dataDir });
    const { server, url } = await startHealServer({ monitor, port: 0, adminToken: 'test-token-123' });
    try {
      const state = await fetch(`${url}/heal/state`);
      assert.equal(state.status, 200);
      assert.equal(state.headers.get('x-content-type-options'), 'nosniff');
      const body = (await state.json()) as {
        connected: boolean;
        panels: { id: string; title: string; unit: string }[];
      };
      assert.equal(body.connected, false);
      // The page lays out the catalogue's panels, as the Grafana dashboard does.
      assert.deepEqual(
        body.panels.map((p) => [p.id, p.title, p.unit]),
        HEAL_PANELS.map((p) => [p.id, p.title, p.unit]),
      );
      const post = (path: string, token?: string, body = '{}') =>
        fetch(`${url}${path}`, {
          method: 'POST',
          headers: token ? { authorization: `Bearer ${token}` } : {},
          body,
        });
      assert.equal((await post('/heal/processes/catalog-0/kill')).status, 401);
      assert.equal((await post('/heal/processes/catalog-0/kill', 'wrong')).status, 401);
      assert.equal((await post('/heal/traffic', 'test-token-123', 'not json')).status, 400);
      assert.equal((await post('/heal/traffic', 'test-token-123')).status, 503);
      assert.equal((await post('/heal/nothing', 'test-token-123')).status, 503);
      assert.equal((await fetch(`${url}/elsewhere`)).status, 404);
    } finally {
      server.close();
      await monitor.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the rollouts and remediation panel (HealMonitor)', () => {
  const rolledBack = {
    id: 2,
    process: 'catalog',
    from: { name: 'base', behaviour: '' },
    to: { name: 'v3', behaviour: 'error-ratio=0.5' },
    phase: 'RolledBack',
    step: 'rolled back',
    replaced: 0,
    of: 2,
    startedAt: '2026-01-01T00:00:10.000Z',
    endedAt: '2026-01-01T00:00:20.000Z',
    reason: 'catalog-2: error ratio: new 50.0 % (10/20) vs old 0.0 % (0/67), bar +2.0 %',
    rollbackMs: 3600,
    events: [{ at: '2026-01-01T00:00:12.000Z', message: 'catalog-2 ready and in the endpoints' }],
  };
  const completed = {
    ...rolledBack,
    id: 1,
    to: { name: 'v2', behaviour: '' },
    phase: 'Completed',
    step: 'done',
    replaced: 2,
    reason: undefined,
    rollbackMs: undefined,
    events: [
      {
        at: '2026-01-01T00:00:05.000Z',
        message: 'catalog-2 passed the analysis: error ratio 0.0 % vs 0.0 %',
      },
    ],
  };
  const audit = [
    {
      id: 7,
      at: '2026-01-01T00:01:00.000Z',
      action: 'restart-replica',
      target: 'catalog-1',
      outcome: 'dry_run',
      detail: 'would restart catalog-1',
      alert: {
        name: 'ReplicaErrorRatioOutlier',
        status: 'firing',
        fingerprint: 'f',
        startsAt: 'x',
        summary: 's',
      },
      runbook: 'docs/runbooks/ReplicaErrorRatioOutlier.md',
      dryRun: true,
    },
  ];

  it("passes on the supervisor's latest rollout per service and the controller's audit, with the verdict in words", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rebound-heal-panel-'));
    let withController = true;
    const answer = (res: import('node:http').ServerResponse, body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const controller = createServer((req, res) =>
      req.url === '/audit' ? answer(res, audit) : res.writeHead(404).end(),
    );
    await new Promise<void>((resolve) => controller.listen(0, '127.0.0.1', resolve));
    const controllerPort = (controller.address() as AddressInfo).port;
    const supervisor = createServer((req, res) => {
      if (req.url === '/rollouts')
        return answer(res, { active: null, history: [rolledBack, completed], replicas: [] });
      if (req.url === '/status') {
        return answer(res, {
          allReady: true,
          urls: [{ name: 'gateway', url: 'http://127.0.0.1:9' }],
          rows: withController
            ? [{ name: 'remediation-0', process: 'remediation', port: controllerPort, ready: true }]
            : [],
        });
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => supervisor.listen(0, '127.0.0.1', resolve));
    await mkdir(join(dataDir, 'local'), { recursive: true });
    await writeFile(
      join(dataDir, 'local', 'supervisor.json'),
      JSON.stringify({ url: `http://127.0.0.1:${(supervisor.address() as AddressInfo).port}` }),
    );
    const monitor = new HealMonitor({ dataDir, intervalMs: 20 });
    const running = monitor.run();
    try {
      const state = await waitFor(() => {
        const s = monitor.state();
        return s.rollouts.checked && s.remediation.checked ? s : undefined;
      });
      assert.deepEqual(state.rollouts.services, [
        {
          service: 'catalog',
          id: 2,
          from: 'base',
          to: 'v3 (error-ratio=0.5)',
          phase: 'RolledBack',
          step: 'rolled back',
          replaced: 0,
          of: 2,
          analysis: `failed: ${rolledBack.reason}`,
          reason: rolledBack.reason,
          rollbackMs: 3600,
          startedAt: rolledBack.startedAt,
          endedAt: rolledBack.endedAt,
        },
      ]);
      assert.deepEqual(state.remediation.entries, [
        {
          id: 7,
          at: '2026-01-01T00:01:00.000Z',
          action: 'restart-replica',
          target: 'catalog-1',
          outcome: 'dry_run',
          detail: 'would restart catalog-1',
          alert: { name: 'ReplicaErrorRatioOutlier', status: 'firing' },
          dryRun: true,
        },
      ]);
      assert.equal(
        rolloutViews({ active: null, history: [completed] })[0]?.analysis,
        'passed: error ratio 0.0 % vs 0.0 %',
      );
      withController = false;
      await waitFor(() => !monitor.state().remediation.checked);
      assert.equal(monitor.state().remediation.error, 'the remediation controller is not run');
      controller.close();
    } finally {
      await monitor.stop();
      await running;
      supervisor.close();
      controller.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
