import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdminServer, HealthProbes } from '@rebound/health';
import { registerMetricsRoute } from '@rebound/service-defaults';
import { Counter, Gauge, Registry } from 'prom-client';

describe('registerMetricsRoute', () => {
  const registry = new Registry();
  new Counter({ name: 'rebound_test_things_total', help: 'things', registers: [registry] }).inc(3);
  let broken = false;
  new Gauge({
    name: 'rebound_test_remote_value',
    help: 'read from somewhere else at scrape time',
    registers: [registry],
    collect() {
      if (broken) throw new Error('remote unreachable');
      this.set(1);
    },
  });
  const admin = new AdminServer({ probes: new HealthProbes(), port: 0, host: '127.0.0.1' });
  registerMetricsRoute(admin, registry);
  let port = 0;
  before(async () => {
    port = await admin.listen();
  });
  after(() => admin.close());

  it('serves the exposition text with its content type', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), registry.contentType);
    assert.match(await response.text(), /^rebound_test_things_total 3$/m);
  });

  it('answers 500 when a collector throws, never a 200 whose body Prometheus cannot parse', async () => {
    broken = true;
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(response.status, 500);
    assert.match(await response.text(), /remote unreachable/);
  });
});
