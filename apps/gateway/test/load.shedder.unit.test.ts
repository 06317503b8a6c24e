// The edge's load shedder with a manual clock and an injected event loop delay: priorities share the
// concurrency limit, a late event loop refuses everything but checkout, and `overloaded` holds for holdMs.
import assert from 'node:assert/strict';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { FakeClock } from '@rebound/resilience/testing';
import {
  type Admission,
  LoadShedder,
  lateMsOf,
  ShedDecision,
  SustainedLateness,
} from '../src/edge/load-shedder.ts';

function shedder(loopDelayMs: { value: number }, clock: FakeClock) {
  return new LoadShedder({
    initialLimit: 4,
    minLimit: 4,
    maxLimit: 4,
    holdMs: 1_000,
    eventLoopDelayMs: 100,
    eventLoopDelay: { lateMs: () => loopDelayMs.value, reset: () => {}, close: () => {} },
    clock,
  });
}

describe('LoadShedder', () => {
  it('lets sheddable reads fill half of the limit and checkout 90% of it', async () => {
    const clock = new FakeClock();
    const edge = shedder({ value: 0 }, clock);
    const reads = [await edge.admit('sheddable'), await edge.admit('sheddable')];
    assert.ok(reads.every((admission) => !(admission instanceof ShedDecision)));
    const third = await edge.admit('sheddable');
    assert.ok(third instanceof ShedDecision);
    assert.equal(third.reason, 'concurrency');
    assert.ok(third.retryAfterMs >= 1);
    assert.equal(edge.overloaded, true);
    const checkout = await edge.admit('critical');
    assert.ok(!(checkout instanceof ShedDecision), 'checkout is admitted while reads are shed');
    assert.equal(edge.inflight, 3);
    for (const admission of [...reads, checkout] as Admission[]) admission.release();
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(edge.inflight, 0, 'released slots are free again');
    clock.advance(1_000);
    assert.equal(edge.overloaded, false, 'not overloaded once the hold has passed');
    edge.close();
  });

  it('refuses all but critical requests while the event loop is late', async () => {
    const clock = new FakeClock();
    const loop = { value: 250 };
    const edge = shedder(loop, clock);
    const read = await edge.admit('sheddable');
    assert.ok(read instanceof ShedDecision);
    assert.equal(read.reason, 'event-loop');
    assert.equal(read.retryAfterMs, 250);
    const lookup = await edge.admit('sheddable-plus');
    assert.ok(lookup instanceof ShedDecision);
    const checkout = await edge.admit('critical');
    assert.ok(!(checkout instanceof ShedDecision));
    (checkout as Admission).release();
    assert.equal(edge.overloaded, true);
    loop.value = 5;
    clock.advance(999);
    assert.equal(edge.overloaded, true, 'held');
    clock.advance(1);
    assert.equal(edge.overloaded, false);
    assert.ok(!((await edge.admit('sheddable')) instanceof ShedDecision));
    edge.close();
  });
});

describe('the event loop lateness the shedder reads', () => {
  function blockFor(ms: number): void {
    const until = performance.now() + ms;
    while (performance.now() < until) {}
  }
  const nextTimer = () => new Promise((resolve) => setTimeout(resolve, 10));

  it('does not count one stall as overload, but a loop whose turns are late again and again', async () => {
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    try {
      for (let tick = 0; tick < 3; tick += 1) await nextTimer(); // the first timer turn only starts the clock
      blockFor(400);
      for (let tick = 0; tick < 40; tick += 1) await nextTimer();
      assert.ok(histogram.max / 1e6 >= 300, 'the stall was recorded');
      assert.ok(lateMsOf(histogram) < 150, `one stall reads as ${lateMsOf(histogram)} ms late`);

      histogram.reset();
      for (let round = 0; round < 10; round += 1) {
        blockFor(200);
        await new Promise((resolve) => setImmediate(resolve));
        await nextTimer();
      }
      assert.ok(lateMsOf(histogram) > 150, `a busy loop reads as ${lateMsOf(histogram)} ms late`);
    } finally {
      histogram.disable();
    }
  });
});

describe('SustainedLateness', () => {
  it('reads a window as late only when the one before it was late too', () => {
    const windows = new SustainedLateness();
    windows.push(400);
    assert.equal(windows.lateMs, 0, 'one late window (a replica warming up) is not overload');
    windows.push(300);
    assert.equal(windows.lateMs, 300, 'two in a row are');
    windows.push(12);
    assert.equal(windows.lateMs, 12, 'one quiet window ends it');
    windows.push(500);
    windows.reset();
    windows.push(500);
    assert.equal(windows.lateMs, 0, 'a reset forgets what came before');
  });
});
