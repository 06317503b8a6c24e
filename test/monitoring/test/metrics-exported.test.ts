import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dashboardExprs, exportedFamilies, isExported, loadRules, metricNames } from '../src/index.ts';
import { checkout, type Shop, shopBuilt, startShop } from './support/shop.ts';

/** Series Prometheus makes itself, not read from any /metrics. */
const SYNTHETIC = new Set(['up', 'ALERTS', 'ALERTS_FOR_STATE']);

describe('every metric named in a rule or a dashboard is exported by a running process', {
  skip: shopBuilt(),
}, () => {
  let shop: Shop;
  const families = new Map<string, string>();
  const exporters = new Map<string, Set<string>>();

  before(
    async () => {
      shop = await startShop();
      // Families that only appear after traffic (histogram children, per-route series) get some.
      for (let i = 0; i < 3; i++)
        assert.equal(await checkout(shop.gatewayUrl, `metrics-${i}-${Date.now()}`), 201);
      const products = await fetch(`${shop.gatewayUrl}/api/products`, { headers: { 'x-api-key': 'key-a' } });
      await products.arrayBuffer();
      for (const target of shop.targets()) {
        const text = await (await fetch(`http://${target.address}/metrics`)).text();
        for (const [name, type] of exportedFamilies(text)) {
          families.set(name, type);
          exporters.set(name, (exporters.get(name) ?? new Set()).add(target.instance));
        }
      }
    },
    { timeout: 240_000 },
  );
  after(async () => shop?.stop());

  it('scrapes every kind of process: services, the broker and the supervisor', () => {
    assert.deepEqual(
      shop
        .targets()
        .map((t) => t.service)
        .sort(),
      ['catalog', 'gateway', 'inventory', 'kafka', 'orders', 'payments', 'supervisor'],
    );
    for (const name of [
      'rebound_http_server_requests_total',
      'rebound_rpc_server_duration_seconds',
      'rebound_kafka_dev_consumer_lag',
      'rebound_supervisor_restarts_total',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      assert.ok(families.has(name), `${name} is not in any /metrics`);
    }
  });

  it('finds every metric of every rule', () => {
    const rules = loadRules();
    const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
    const missing = rules.flatMap((rule) =>
      metricNames(rule.expr)
        .filter((name) => !recorded.has(name) && !SYNTHETIC.has(name) && !isExported(name, families))
        .map((name) => `${rule.alert ?? rule.record}: ${name}`),
    );
    assert.deepEqual(missing, []);
  });

  it('finds every metric of every dashboard panel', () => {
    const recorded = new Set(loadRules().flatMap((r) => (r.record ? [r.record] : [])));
    const missing = dashboardExprs().flatMap((e) =>
      metricNames(e.expr)
        .filter((name) => !recorded.has(name) && !SYNTHETIC.has(name) && !isExported(name, families))
        .map((name) => `${e.dashboard} / ${e.panel}: ${name}`),
    );
    assert.deepEqual(missing, []);
  });

  it('the check can fail: a metric no process exports is reported', () => {
    assert.ok(!isExported('rebound_resilience_breaker_state_typo', families));
  });
});
