// The pool's choice when no replica is fit: the least bad one, not the next in turn.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@rebound/resilience/testing';
import { EndpointPool } from '../src/client/endpoint.pool.ts';
import { OutlierDetector } from '../src/client/outlier.detector.ts';
import { resolverFor } from '../src/client/target.resolver.ts';

function pool() {
  const clock = new FakeClock();
  const detector = new OutlierDetector({ clock, consecutiveFailures: 2, maxEjectionPercent: 100 });
  const addresses = ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'];
  const endpoints = new EndpointPool({ resolver: resolverFor(addresses), detector, clock });
  endpoints.update(addresses);
  const [a, b, c] = endpoints.endpoints;
  assert.ok(a && b && c);
  return { clock, endpoints, a, b, c };
}

describe('EndpointPool.pick', () => {
  it('goes round robin over fit replicas, skipping ejected, backed-off and tried ones', () => {
    const { clock, endpoints, a, b, c } = pool();
    endpoints.record(a, true);
    endpoints.record(a, true);
    b.backoffUntil = clock.now() + 1_000;
    try {
      assert.deepEqual([endpoints.pick(undefined), endpoints.pick(undefined)], [c, c]);
      c.backoffUntil = clock.now() + 2_000;
      assert.equal(endpoints.pick(undefined), b, 'none fit: the live one back soonest, not the ejected one');
    } finally {
      endpoints.close();
    }
  });

  it('when none is fit, prefers a replica that asked to wait over an ejected one, and the shortest wait', () => {
    const { clock, endpoints, a, b, c } = pool();
    endpoints.record(a, true);
    endpoints.record(a, true);
    b.backoffUntil = clock.now() + 900;
    c.backoffUntil = clock.now() + 300;
    try {
      for (let i = 0; i < 3; i++) assert.equal(endpoints.pick(undefined), c, 'c is back soonest');
      assert.equal(endpoints.pick(new Set([a, b, c])), c, 'tried or not, c is still the least bad');
      c.backoffUntil = 0;
      assert.equal(endpoints.pick(new Set([c])), c, 'a tried replica that is fit beats one that says wait');
      clock.advance(1_000);
      assert.equal(endpoints.pick(new Set([c])), b, 'b is fit again and untried');
      b.backoffUntil = clock.now() + 400;
      c.backoffUntil = clock.now() + 800;
      endpoints.record(b, true);
      assert.equal(
        endpoints.pick(new Set([b, c])),
        c,
        'b just failed on the server side (say its connection was refused): c, which only asked to wait, is better',
      );
    } finally {
      endpoints.close();
    }
  });
});
