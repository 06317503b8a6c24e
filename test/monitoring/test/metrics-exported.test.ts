import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HEAL_PANELS } from '@rebound/grafana';
import { waitFor } from '@rebound/testing';
import { parseAllDocuments } from 'yaml';
import {
  dashboardExprs,
  exportedFamilies,
  isExported,
  loadRules,
  metricNames,
  REPO_ROOT,
} from '../src/index.ts';
import { checkout, type Shop, shopBuilt, startShop } from './support/shop.ts';

/** The labels of every sample of `name` in an exposition (`name{a="1",b="2"} 3`). */
function sampleLabels(text: string, name: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labels: Record<string, string> = {};
    for (const m of line.slice(name.length + 1, line.lastIndexOf('}')).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[m[1] as string] = m[2] as string;
    out.push(labels);
  }
  return out;
}

/** Series Prometheus makes itself, not read from any /metrics. */
const SYNTHETIC = new Set(['up', 'ALERTS', 'ALERTS_FOR_STATE']);

describe('every metric named in a rule or a dashboard is exported by a running process', {
  skip: shopBuilt(),
}, () => {
  let shop: Shop;
  const families = new Map<string, string>();
  const exporters = new Map<string, Set<string>>();
  let notifications = '';

  before(
    async () => {
      shop = await startShop();
      // Families that only appear after traffic (histogram children, per-route series) get some.
      for (let i = 0; i < 3; i++)
        assert.equal(await checkout(shop.gatewayUrl, `metrics-${i}-${Date.now()}`), 201);
      const products = await fetch(`${shop.gatewayUrl}/api/products`, { headers: { 'x-api-key': 'key-a' } });
      await products.arrayBuffer();
      // The consumer handles the checkouts' events asynchronously; its lag gauge reads the group's offsets.
      const consumer = shop.targets().find((t) => t.service === 'notifications');
      assert.ok(consumer, 'notifications is not scraped');
      await waitFor(
        async () => {
          notifications = await (await fetch(`http://${consumer.address}/metrics`)).text();
          return (
            sampleLabels(notifications, 'rebound_kafka_handler_requests_total').some(
              (l) => l.outcome === 'processed',
            ) && sampleLabels(notifications, 'rebound_kafka_consumer_lag').length > 0
          );
        },
        { timeoutMs: 60_000, intervalMs: 250, description: 'notifications handled the order events' },
      );
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
      ['catalog', 'gateway', 'inventory', 'kafka', 'notifications', 'orders', 'payments', 'supervisor'],
    );
    for (const name of [
      'rebound_http_server_requests_total',
      'rebound_rpc_server_duration_seconds',
      'rebound_kafka_dev_consumer_lag',
      'rebound_kafka_consumer_lag',
      'rebound_kafka_dlq_messages_total',
      'rebound_kafka_retries_total',
      'rebound_kafka_handler_requests_total',
      'rebound_supervisor_restarts_total',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      assert.ok(families.has(name), `${name} is not in any /metrics`);
    }
  });

  it('gets the consumer series the Kafka alerts read from notifications, with the labels they group by', () => {
    for (const name of ['rebound_kafka_consumer_lag', 'rebound_kafka_dlq_messages_total']) {
      assert.deepEqual([...(exporters.get(name) ?? [])], ['notifications-0'], `${name} exporters`);
    }
    assert.equal(families.get('rebound_kafka_dlq_messages_total'), 'counter');
    assert.equal(families.get('rebound_kafka_consumer_lag'), 'gauge');
    // Lag per partition of the main topic (retry topics too), computed from the group's committed offsets.
    const lag = sampleLabels(notifications, 'rebound_kafka_consumer_lag');
    assert.ok(
      lag.some((l) => l.group === 'notifications' && l.topic === 'orders.events' && l.partition === '0'),
      JSON.stringify(lag),
    );
    assert.ok(lag.every((l) => l.service === 'notifications'));
    // The handler RED series name the main topic as operation.
    assert.ok(
      sampleLabels(notifications, 'rebound_kafka_handler_requests_total').some(
        (l) => l.operation === 'orders.events' && l.outcome === 'processed',
      ),
    );
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

  it('finds every metric and label of the canary analysis queries (k8s/base/analysis-templates.yaml)', async () => {
    const file = join(REPO_ROOT, 'k8s/base/analysis-templates.yaml');
    const templates = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS());
    const queries: string[] = templates.flatMap((t) =>
      t.spec.metrics.map((m: { provider: { prometheus: { query: string } } }) => m.provider.prometheus.query),
    );
    assert.ok(queries.length >= 6, `${queries.length} queries`);
    // Every process's exposition, to find the labels each family carries on its samples.
    const texts = await Promise.all(
      shop.targets().map(async (t) => (await fetch(`http://${t.address}/metrics`)).text()),
    );
    // Labels the cluster's scrape job adds (k8s/components/monitoring/prometheus.yml), not the process.
    const scrapeLabels = new Set(['service', 'rollouts_pod_template_hash']);
    const missing: string[] = [];
    for (const query of queries) {
      for (const name of metricNames(query)) {
        if (!isExported(name, families)) missing.push(`${name}: not exported`);
        const samples = texts.flatMap((text) => sampleLabels(text, name));
        if (samples.length === 0) missing.push(`${name}: no sample after traffic`);
        const selectors = [...query.matchAll(new RegExp(`${name}\\{([^}]*)\\}`, 'g'))].map(
          (m) => m[1] as string,
        );
        for (const label of selectors.flatMap((sel) =>
          [...sel.matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)"/g)].map((m) => m[1]),
        )) {
          if (label === undefined || scrapeLabels.has(label)) continue;
          if (!samples.some((l) => label in l)) missing.push(`${name}: no sample has label ${label}`);
        }
      }
    }
    assert.deepEqual([...new Set(missing)], []);
  });

  it('finds the labels the heal panels group by (@rebound/grafana) on the samples of their metrics', async () => {
    const texts = await Promise.all(
      shop.targets().map(async (t) => (await fetch(`http://${t.address}/metrics`)).text()),
    );
    const missing: string[] = [];
    const withSamples: string[] = [];
    for (const panel of HEAL_PANELS) {
      for (const { figure, grafanaOnly } of panel.series) {
        if (grafanaOnly || figure.kind === 'alerts') continue;
        const name = figure.kind === 'quantile' ? `${figure.metric}_bucket` : figure.metric;
        const samples = texts.flatMap((text) => sampleLabels(text, name));
        if (samples.length > 0) withSamples.push(panel.id);
        // `service` is the scrape's label (and the heal view's: the service it polled).
        for (const label of panel.by.filter((l) => l !== 'service'))
          if (samples.some((l) => !(label in l))) missing.push(`${panel.id}: ${name} without ${label}`);
      }
    }
    assert.deepEqual(missing, []);
    for (const id of ['rate', 'successRatio', 'p99', 'breaker', 'ready', 'restarts'])
      assert.ok(withSamples.includes(id), `${id}: no sample after traffic`);
  });

  it('the check can fail: a metric no process exports is reported', () => {
    assert.ok(!isExported('rebound_resilience_breaker_state_typo', families));
  });
});
