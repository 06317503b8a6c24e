import assert from 'node:assert/strict';
import { adminRequest, waitFor } from '@rebound/testing';
import {
  api,
  type Platform,
  percentile,
  runLoad,
  type Sample,
  sumMetric,
  sumMetricAcross,
} from '../../src/index.ts';
import type { Report } from './shop.scenario.ts';

const LIST = 'rebound.catalog.v1.CatalogService/ListProducts';
/** The gateway's deadline on a catalog call (`CATALOG_DEADLINE_MS`, default). */
const CATALOG_DEADLINE_MS = 800;

async function listProducts(platform: Platform): Promise<Sample> {
  const response = await api(platform.gatewayUrl, '/api/products?pageSize=5', { timeoutMs: 5000 });
  const served = response.headers.get('x-rebound-fallback') === null ? 'fresh' : 'fallback';
  return {
    status: response.status,
    ms: response.ms,
    // A refusal says which (e.g. `error:overloaded`), so a failed bar names its cause.
    tag:
      response.status === 200 ? served : `error:${String(response.json.error ?? response.json.text ?? '')}`,
  };
}

export async function sigkillCatalogUnderLoad(platform: Platform, report: Report): Promise<void> {
  const victim = await platform.row('catalog-1');
  assert.ok(victim.pid !== undefined && victim.ready, 'catalog-1 runs and is ready');
  let issued = 0;
  let rejoined = false;
  const load = runLoad({
    // 60/s until at least 1000 requests (and 15 s), so that the 99.9% bar tolerates one failure at most.
    rps: 60,
    concurrency: 32,
    maxMs: 60_000,
    maxRequests: 3000,
    done: (elapsedMs, started) => rejoined && elapsedMs > 15_000 && started >= 1000,
    request: () => {
      issued++;
      return listProducts(platform);
    },
  });
  const monitor = (async () => {
    try {
      await waitFor(() => issued >= 80, { timeoutMs: 10_000, description: 'steady load before the kill' });
      process.kill(victim.pid as number, 'SIGKILL');
      const back = await waitFor(
        async () => {
          const row = await platform.row('catalog-1');
          return row.restarts === victim.restarts + 1 && row.ready && row.pid !== victim.pid
            ? row
            : undefined;
        },
        {
          timeoutMs: 45_000,
          intervalMs: 200,
          description: 'the supervisor to restart catalog-1 and see it ready',
        },
      );
      // Its own RED metrics start from zero in the new process: a count means the gateway sends it traffic again.
      const served = await waitFor(
        () =>
          sumMetric(platform.adminUrl('catalog-1'), 'rebound_rpc_server_requests_total', { operation: LIST }),
        {
          timeoutMs: 45_000,
          intervalMs: 200,
          description: 'catalog-1 back in rotation (ListProducts counted on its /metrics)',
        },
      );
      return { back, served };
    } finally {
      rejoined = true;
    }
  })();
  const [samples, { back, served }] = await Promise.all([load, monitor]);
  const ok = samples.filter((sample) => sample.status === 200);
  const fallback = ok.filter((sample) => sample.tag === 'fallback').length;
  const ratio = ok.length / samples.length;
  report(
    `catalog SIGKILL under load: ${ok.length}/${samples.length} ok = ${(ratio * 100).toFixed(2)}% ` +
      `(${fallback} from the fallback cache; p50 ${percentile(
        samples.map((s) => s.ms),
        50,
      ).toFixed(0)} ms, ` +
      `max ${Math.max(...samples.map((s) => s.ms)).toFixed(0)} ms); restarts ${victim.restarts} -> ${back.restarts}, ` +
      `new pid ${back.pid}, ${served} ListProducts served by the restarted replica`,
  );
  assert.ok(
    ratio >= 0.999,
    `success ratio ${ratio} below 99.9%: ${JSON.stringify(samples.filter((s) => s.status !== 200).slice(0, 5))}`,
  );
  assert.equal(back.restarts, victim.restarts + 1);
}

export async function catalogHung(platform: Platform, report: Report): Promise<void> {
  const url = platform.gatewayUrl;
  const gateways = await platform.adminUrls('gateway');
  // A good answer first, so the gateway has a last good copy of exactly these pages.
  assert.equal((await listProducts(platform)).tag, 'fresh');
  assert.equal((await api(url, '/api/products/p-002')).status, 200);
  const cutBefore = await sumMetricAcross(gateways, 'rebound_rpc_client_requests_total', {
    operation: LIST,
    outcome: 'DEADLINE_EXCEEDED',
  });
  const fallbacksBefore = await sumMetricAcross(gateways, 'rebound_gateway_fallback_served_total');
  for (const name of ['catalog-0', 'catalog-1']) {
    const set = await adminRequest(platform.adminUrl(name), 'POST', '/admin/faults', { hang: true });
    assert.equal(set.status, 200, JSON.stringify(set.json));
  }
  try {
    const times: number[] = [];
    for (let i = 0; i < 12; i++) {
      const response = await api(url, i % 3 === 2 ? '/api/products/p-002' : '/api/products?pageSize=5', {
        timeoutMs: 10_000,
      });
      assert.equal(response.status, 200, JSON.stringify(response.json));
      assert.match(response.headers.get('x-rebound-fallback') ?? '', /^catalog-cache; age=\d+/);
      times.push(response.ms);
    }
    const cut =
      (await sumMetricAcross(gateways, 'rebound_rpc_client_requests_total', {
        operation: LIST,
        outcome: 'DEADLINE_EXCEEDED',
      })) - cutBefore;
    const served =
      (await sumMetricAcross(gateways, 'rebound_gateway_fallback_served_total')) - fallbacksBefore;
    const max = Math.max(...times);
    report(
      `catalog hung: ${times.length}/${times.length} answered from the fallback (header present), ` +
        `p50 ${percentile(times, 50).toFixed(0)} ms, max ${max.toFixed(0)} ms (deadline ${CATALOG_DEADLINE_MS} ms); ` +
        `${cut} ListProducts calls cut at the deadline, the rest failed fast by the breaker; ${served} fallbacks counted`,
    );
    assert.ok(cut >= 1, 'the deadline cut at least one call');
    assert.ok(served >= times.length, 'every fallback is counted');
    // Loose bound: the deadline plus a generous margin for a loaded CI box, never a speed bar.
    assert.ok(max < CATALOG_DEADLINE_MS + 3000, `a call outlived its deadline by far: ${max} ms`);
  } finally {
    for (const name of ['catalog-0', 'catalog-1'])
      await adminRequest(platform.adminUrl(name), 'DELETE', '/admin/faults');
  }
  const fresh = await waitFor(async () => (await listProducts(platform)).tag === 'fresh', {
    timeoutMs: 30_000,
    intervalMs: 250,
    description: 'fresh catalog answers once the hang is lifted',
  });
  assert.ok(fresh);
}
