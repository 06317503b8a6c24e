import assert from 'node:assert/strict';
import { setInterval as every } from 'node:timers/promises';
import { adminRequest, waitFor } from '@rebound/testing';
import { api, type Platform, percentile, runLoad, sumMetricAcross } from '../../src/index.ts';
import type { Report } from './shop.scenario.ts';

/** Each gateway replica's readiness, straight from its admin port. */
async function gatewaysReady(gateways: readonly string[]): Promise<boolean[]> {
  return Promise.all(
    gateways.map(async (admin) => {
      const response = await fetch(`${admin}/readyz`);
      await response.arrayBuffer();
      return response.ok;
    }),
  );
}

/** pid and restarts of every gateway replica. */
async function gatewayRows(platform: Platform) {
  const rows = (await platform.status()).rows.filter((row) => row.process === 'gateway');
  return rows.map((row) => `${row.name} pid ${row.pid} restarts ${row.restarts}`);
}

export async function overload(platform: Platform, report: Report): Promise<void> {
  const gateways = await platform.adminUrls('gateway');
  const before = await gatewayRows(platform);
  const shedBefore = await sumMetricAcross(gateways, 'rebound_gateway_shed_total');
  // Each product read now holds a catalog call for 250 ms, so the edge's capacity is its concurrency limit / 250 ms;
  // 300 clients back to back offer far more than that.
  for (const name of ['catalog-0', 'catalog-1']) {
    const set = await adminRequest(platform.adminUrl(name), 'POST', '/admin/faults', { latencyMs: 250 });
    assert.equal(set.status, 200, JSON.stringify(set.json));
  }
  let sawUnready = false;
  let loading = true;
  const readiness = (async () => {
    // A probe every 100 ms while the load runs, as a kubelet would (only faster).
    for await (const _ of every(100)) {
      if (!loading) break;
      const ready = await gatewaysReady(gateways).catch(() => []);
      if (ready.some((ok) => !ok)) sawUnready = true;
    }
  })();
  let samples: Awaited<ReturnType<typeof runLoad>>;
  const retryAfter = new Set<string>();
  try {
    samples = await runLoad({
      concurrency: 300,
      maxMs: 8000,
      maxRequests: 20_000,
      done: () => false,
      request: async () => {
        const response = await api(platform.gatewayUrl, '/api/products?pageSize=5', {
          apiKey: 'key-b',
          timeoutMs: 10_000,
        });
        if (response.status === 503) retryAfter.add(response.headers.get('retry-after') ?? 'missing');
        return { status: response.status, ms: response.ms };
      },
    });
  } finally {
    loading = false;
    await readiness;
    for (const name of ['catalog-0', 'catalog-1'])
      await adminRequest(platform.adminUrl(name), 'DELETE', '/admin/faults');
  }
  const admitted = samples.filter((sample) => sample.status === 200).map((sample) => sample.ms);
  const shed = samples.filter((sample) => sample.status === 503);
  const other = samples.filter((sample) => sample.status !== 200 && sample.status !== 503);
  const shedCounted = (await sumMetricAcross(gateways, 'rebound_gateway_shed_total')) - shedBefore;
  const back = await waitFor(async () => (await gatewaysReady(gateways)).every(Boolean), {
    timeoutMs: 30_000,
    intervalMs: 200,
    description: 'gateway readiness back after the overload',
  });
  const after = await gatewayRows(platform);
  report(
    `overload: ${samples.length} requests in 8 s from 300 clients: ${admitted.length} admitted ` +
      `(p50 ${percentile(admitted, 50).toFixed(0)} ms, p99 ${percentile(admitted, 99).toFixed(0)} ms, max ` +
      `${Math.max(...admitted).toFixed(0)} ms), ${shed.length} shed with 503 (${shedCounted} counted, Retry-After ` +
      `${[...retryAfter].join('/')}), ${other.length} other; readiness false during: ${sawUnready}, back: ${back}; ` +
      `gateways ${after.join(', ')}`,
  );
  assert.ok(shed.length > 0, 'the edge shed load');
  assert.ok(admitted.length > 0, 'and kept serving some');
  assert.deepEqual(
    [...retryAfter].filter((value) => !/^\d+$/.test(value)),
    [],
    'every 503 says Retry-After in seconds',
  );
  assert.deepEqual(
    other.map((sample) => sample.status),
    [],
    'nothing but 200 and 503',
  );
  // Loose: admitted calls stay near the injected 250 ms, far under the client's 10 s patience; not a speed bar.
  assert.ok(percentile(admitted, 99) < 5000, 'admitted latency stays bounded');
  assert.ok(sawUnready, 'readiness went false while overloaded');
  assert.deepEqual(after, before, 'every gateway process stayed alive, none restarted');
}
