import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetricsRegistry, createRedMetrics } from '../src/index.ts';

describe('createMetricsRegistry', () => {
  it('labels every series with the service and exports Node runtime metrics', async () => {
    const registry = createMetricsRegistry({ service: 'catalog' });
    const text = await registry.metrics();
    assert.match(text, /^nodejs_eventloop_lag_p99_seconds\{service="catalog"\} /m);
    assert.match(text, /^nodejs_heap_size_used_bytes\{service="catalog"\} /m);
  });

  it('leaves runtime metrics out when asked', async () => {
    const registry = createMetricsRegistry({ service: 'catalog', runtimeMetrics: false });
    assert.equal(await registry.metrics(), '\n');
  });
});

describe('createRedMetrics', () => {
  it('counts calls and their durations by operation and outcome', async () => {
    const registry = createMetricsRegistry({ service: 'orders', runtimeMetrics: false });
    const red = createRedMetrics(registry, 'rpc_server');
    red.observe('PlaceOrder', 'OK', 0.004);
    red.observe('PlaceOrder', 'OK', 0.2);
    red.observe('PlaceOrder', 'UNAVAILABLE', 0.001);
    const requests = await registry.getSingleMetric('rebound_rpc_server_requests_total')?.get();
    const countOf = (outcome: string) => requests?.values.find((v) => v.labels.outcome === outcome)?.value;
    assert.equal(countOf('OK'), 2);
    assert.equal(countOf('UNAVAILABLE'), 1);
    const duration = await registry.getSingleMetric('rebound_rpc_server_duration_seconds')?.get();
    const okSeries = duration?.values.filter((v) => v.labels.outcome === 'OK') ?? [];
    const bucket = (le: number) =>
      okSeries.find(
        (v) => (v as { metricName?: string }).metricName?.endsWith('_bucket') && v.labels.le === le,
      )?.value;
    assert.equal(bucket(0.005), 1);
    assert.equal(bucket(0.25), 2);
    const sum =
      okSeries.find((v) => (v as { metricName?: string }).metricName?.endsWith('_sum'))?.value ?? Number.NaN;
    assert.ok(Math.abs(sum - 0.204) < 1e-9);
  });

  it('refuses to register the same side twice on one registry', () => {
    const registry = createMetricsRegistry({ service: 'orders', runtimeMetrics: false });
    createRedMetrics(registry, 'http_server');
    assert.throws(() => createRedMetrics(registry, 'http_server'), /already been registered/);
  });
});
