// Per-client token bucket (429 + Retry-After) and the abuse blocker (403 for a cool-off period).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Answer, call, metricsOf, metricValue } from './support/gateway-process.ts';
import { gatewayWithFakes } from './support/gateway-with-fakes.ts';

describe('throttling and blocking', () => {
  const shop = gatewayWithFakes({
    API_KEYS: 'client-a:key-a,client-b:key-b',
    // A bucket of 3 refilled at 0.2/s: a burst of requests runs dry at once and stays dry for the test.
    RATE_LIMIT_RPS: '0.2',
    RATE_LIMIT_BURST: '3',
    BLOCK_THRESHOLD: '5',
    BLOCK_WINDOW_MS: '60000',
    BLOCK_DURATION_MS: '60000',
  });

  it('answers 429 with Retry-After once a client runs out of tokens, then blocks it with 403', async () => {
    const seen: Answer[] = [];
    for (let i = 0; i < 30; i++) {
      const answer = await call(`${shop.gateway.url}/api/products`, { headers: { 'x-api-key': 'key-a' } });
      seen.push(answer);
      if (answer.status === 403) break;
    }
    const statuses = seen.map((answer) => answer.status);
    assert.deepEqual(statuses.slice(0, 3), [200, 200, 200], 'the burst is served');
    const throttled = seen.filter((answer) => answer.status === 429);
    assert.ok(throttled.length >= 4, `429s before the block: ${statuses.join(',')}`);
    for (const answer of throttled) {
      assert.ok(Number(answer.headers.get('retry-after')) >= 1, 'Retry-After in whole seconds');
      assert.equal(answer.body.error, 'too_many_requests');
    }
    const blocked = seen.at(-1)!;
    assert.equal(blocked.status, 403, `statuses: ${statuses.join(',')}`);
    assert.equal(blocked.body.error, 'blocked');
    assert.ok(Number(blocked.headers.get('retry-after')) > 50, 'blocked for the cool-off period');
    const still = await call(`${shop.gateway.url}/api/products`, { headers: { 'x-api-key': 'key-a' } });
    assert.equal(still.status, 403, 'a blocked client stays blocked');
  });

  it('keeps other clients unaffected and counts every decision', async () => {
    const other = await call(`${shop.gateway.url}/api/products`, { headers: { 'x-api-key': 'key-b' } });
    assert.equal(other.status, 200);
    const metrics = await metricsOf(shop.gateway);
    assert.ok(metricValue(metrics, 'rebound_gateway_throttled_total', { client: 'client-a' })! >= 4);
    assert.equal(metricValue(metrics, 'rebound_gateway_blocks_total', { client: 'client-a' }), 1);
    assert.ok(metricValue(metrics, 'rebound_gateway_blocked_requests_total', { client: 'client-a' })! >= 2);
    assert.equal(metricValue(metrics, 'rebound_gateway_throttled_total', { client: 'client-b' }), undefined);
  });
});
