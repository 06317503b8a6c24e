import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@rebound/resilience/testing';
import { type EjectionEvent, OutlierDetector } from '../src/index.ts';

function setup(options: ConstructorParameters<typeof OutlierDetector>[0] = {}) {
  const clock = new FakeClock();
  const detector = new OutlierDetector({ clock, ...options });
  const events: EjectionEvent[] = [];
  detector.onEject((e) => events.push(e));
  const replicas = ['a', 'b', 'c', 'd'].map((a) => detector.create(a));
  return { clock, detector, events, replicas };
}

describe('OutlierDetector', () => {
  it('ejects after consecutive failures for base × times ejected, capped, and probes back', () => {
    const { clock, detector, events, replicas } = setup({
      consecutiveFailures: 3,
      baseEjectionMs: 1_000,
      maxEjectionMs: 2_500,
    });
    const [a] = replicas;
    assert.ok(a);
    detector.record(a, true, replicas);
    detector.record(a, true, replicas);
    detector.record(a, false, replicas);
    detector.record(a, true, replicas);
    detector.record(a, true, replicas);
    assert.equal(detector.isEjected(a), false, 'a success resets the run');
    detector.record(a, true, replicas);
    assert.equal(detector.isEjected(a), true);
    assert.deepEqual(events[0], {
      address: 'a',
      reason: 'consecutive-failures',
      durationMs: 1_000,
      timesEjected: 1,
    });
    clock.advance(999);
    assert.equal(detector.isEjected(a), true);
    clock.advance(1);
    assert.equal(detector.isEjected(a), false, 'back as a probe');
    detector.record(a, true, replicas);
    assert.equal(events[1]?.reason, 'probe-failed', 'one failed probe sends it straight back');
    assert.equal(events[1]?.durationMs, 2_000);
    clock.advance(2_000);
    assert.equal(detector.isEjected(a), false);
    detector.record(a, true, replicas);
    assert.equal(events[2]?.durationMs, 2_500, 'capped');
    clock.advance(2_500);
    assert.equal(detector.isEjected(a), false);
    const returned: string[] = [];
    detector.onReturn((e) => returned.push(e.address));
    detector.record(a, false, replicas);
    assert.deepEqual(returned, ['a']);
    detector.record(a, true, replicas);
    assert.equal(detector.isEjected(a), false, 'healthy again: one failure is not enough');
  });

  it('ejects on the failure ratio once enough calls were seen in the interval', () => {
    const { clock, detector, events, replicas } = setup({
      consecutiveFailures: 100,
      failureRatio: 0.5,
      minRequests: 10,
      intervalMs: 1_000,
    });
    const [a] = replicas;
    assert.ok(a);
    for (let i = 0; i < 4; i++) {
      detector.record(a, true, replicas);
      detector.record(a, false, replicas);
    }
    clock.advance(1_000); // a new interval forgets the first eight calls
    for (let i = 0; i < 4; i++) {
      detector.record(a, true, replicas);
      detector.record(a, false, replicas);
    }
    assert.equal(events.length, 0);
    detector.record(a, true, replicas);
    detector.record(a, true, replicas);
    assert.equal(events[0]?.reason, 'failure-ratio');
  });

  it('never ejects more than the maximum share of replicas', () => {
    const { detector, events, replicas } = setup({ consecutiveFailures: 1, maxEjectionPercent: 50 });
    for (const r of replicas) detector.record(r, true, replicas);
    assert.deepEqual(
      events.map((e) => e.address),
      ['a', 'b'],
    );
    assert.equal(replicas.filter((r) => detector.isEjected(r)).length, 2);
  });
});
