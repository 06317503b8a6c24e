// The edge's load shedder with a manual clock and a hand-set overload signal: priorities share the concurrency
// limit through LoadSheddingPolicy.acquire(), a tripped signal refuses everything but checkout, and `shedding`
// holds for holdMs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@rebound/resilience/testing';
import { LoadShedder, ShedDecision } from '../src/edge/load.shedder.ts';

function shedder(overload: { overloaded: boolean; retryAfterMs: number }, clock: FakeClock) {
  return new LoadShedder({ initialLimit: 4, minLimit: 4, maxLimit: 4, holdMs: 1_000, overload, clock });
}

describe('LoadShedder', () => {
  it('lets sheddable reads fill half of the limit and checkout 90% of it', () => {
    const clock = new FakeClock();
    const edge = shedder({ overloaded: false, retryAfterMs: 1_000 }, clock);
    const reads = [edge.admit('sheddable'), edge.admit('sheddable')];
    const third = edge.admit('sheddable');
    assert.ok(third instanceof ShedDecision);
    assert.equal(third.reason, 'concurrency');
    assert.match(third.message, /too many requests in flight/);
    assert.ok(third.retryAfterMs >= 1);
    assert.equal(edge.shedding, true);
    const checkout = edge.admit('critical');
    assert.equal(edge.inflight, 3);
    for (const admission of [...reads, checkout]) {
      assert.ok(!(admission instanceof ShedDecision), 'reads under the share and checkout are admitted');
      admission.release();
    }
    assert.equal(edge.inflight, 0, 'released slots are free again');
    clock.advance(1_000);
    assert.equal(edge.shedding, false, 'not shedding once the hold has passed');
  });

  it('refuses all but critical requests while the overload signal is tripped, and admits again once it clears', () => {
    const clock = new FakeClock();
    const overload = { overloaded: true, retryAfterMs: 1_000 };
    const edge = shedder(overload, clock);
    const read = edge.admit('sheddable');
    assert.ok(read instanceof ShedDecision);
    assert.equal(read.reason, 'event-loop');
    assert.equal(read.retryAfterMs, 1_000);
    assert.match(read.message, /event loop is saturated/);
    assert.ok(edge.admit('sheddable-plus') instanceof ShedDecision);
    assert.equal(edge.inflight, 0, 'a refused request takes no slot');
    const checkout = edge.admit('critical');
    assert.ok(!(checkout instanceof ShedDecision));
    checkout.release();
    overload.overloaded = false;
    const again = edge.admit('sheddable');
    assert.ok(!(again instanceof ShedDecision));
    again.release();
  });
});
