import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@rebound/resilience/testing';
import { waitFor } from '@rebound/testing';
import { eventLoopDelayCheck, HealthProbes } from '../src/index.ts';

describe('eventLoopDelayCheck', () => {
  it('fails readiness while the p99 delay in the window exceeds the bound, and recovers after the window', async () => {
    const clock = new FakeClock();
    const monitor = eventLoopDelayCheck({ clock, maxDelayMs: 200, windowMs: 5_000, intervalMs: 20 });
    const probes = new HealthProbes({ clock });
    probes.markStarted();
    probes.addCheck('readiness', 'event-loop', monitor.check);

    await clock.tick(1_000);
    const calm = await probes.evaluate('readiness');
    assert.equal(calm.ok, true);
    assert.equal(calm.checks.find((c) => c.name === 'event-loop')?.detail, 'p99 event loop delay 0 ms');

    clock.jump(350); // the loop was blocked for 350 ms
    await clock.tick(0);
    const stalled = await probes.evaluate('readiness');
    assert.equal(stalled.ok, false);
    assert.match(stalled.checks.find((c) => c.name === 'event-loop')?.detail ?? '', /> 200 ms$/);
    assert.equal((await probes.evaluate('readiness')).ok, false, 'reading does not forget the stall');

    await clock.tick(5_001);
    assert.equal((await probes.evaluate('readiness')).ok, true);
    monitor.stop();
    assert.equal(clock.pendingTimers, 0);
  });

  it('sees a really blocked event loop with the default clock', async () => {
    const monitor = eventLoopDelayCheck({ maxDelayMs: 50, intervalMs: 5 });
    try {
      const until = performance.now() + 250;
      while (performance.now() < until) {
        // block the event loop on purpose
      }
      const result = await waitFor(
        async () => {
          const outcome = await monitor.check();
          return typeof outcome === 'object' && !outcome.ok ? outcome : undefined;
        },
        { timeoutMs: 2_000, description: 'the monitor to report the blocked loop' },
      );
      assert.match(result.detail ?? '', /> 50 ms$/);
    } finally {
      monitor.stop();
    }
  });
});
