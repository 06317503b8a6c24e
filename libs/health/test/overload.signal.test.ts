import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@rebound/resilience/testing';
import { waitFor } from '@rebound/testing';
import {
  eventLoopSampler,
  HealthProbes,
  type LoopSampler,
  type LoopWindow,
  type OverloadReading,
  OverloadSignal,
  overloadCheck,
} from '../src/index.ts';

/** A sampler that returns the windows a test queues, then calm ones. */
function scriptedSampler(): LoopSampler & { queue(...windows: LoopWindow[]): void; resets: number } {
  const pending: LoopWindow[] = [];
  const sampler = {
    resets: 0,
    queue: (...windows: LoopWindow[]) => {
      pending.push(...windows);
    },
    read: () => pending.shift() ?? { delayMs: 0, utilization: 0.1 },
    reset: () => {
      sampler.resets++;
    },
    close: () => {},
  };
  return sampler;
}

const late = (delayMs: number): LoopWindow => ({ delayMs, utilization: 0.5 });

function signalOnFakes(options: { maxUtilization?: number } = {}) {
  const clock = new FakeClock();
  const sampler = scriptedSampler();
  const signal = new OverloadSignal({ clock, sampler, maxDelayMs: 100, windowMs: 500, ...options });
  const changes: OverloadReading[] = [];
  signal.onChange((reading) => changes.push(reading));
  return { clock, sampler, signal, changes };
}

describe('OverloadSignal', () => {
  it('trips after two windows in a row over the bound, and says how much', async () => {
    const { clock, sampler, signal, changes } = signalOnFakes();
    sampler.queue(late(150), late(300));
    await clock.tick(500);
    assert.equal(signal.overloaded, false, 'one late window is not overload');
    assert.equal(signal.reading.delayMs, 150);
    await clock.tick(500);
    assert.equal(signal.overloaded, true);
    assert.equal(signal.reading.pressure, 3);
    assert.equal(changes.length, 1);
    assert.equal(changes[0]?.overloaded, true);
    signal.close();
    assert.equal(clock.pendingTimers, 0);
  });

  it('never trips on lone stalls between calm windows', async () => {
    const { clock, sampler, signal, changes } = signalOnFakes();
    sampler.queue(late(400), late(10), late(400), late(10), late(400));
    await clock.tick(2_500);
    assert.equal(signal.overloaded, false);
    assert.equal(changes.length, 0);
    signal.close();
  });

  it('clears only after two windows in a row at or under half the bound (hysteresis)', async () => {
    const { clock, sampler, signal, changes } = signalOnFakes();
    // over, over (trips), under, between (not under: keeps it), under, under (clears)
    sampler.queue(late(200), late(200), late(40), late(80), late(50), late(30));
    await clock.tick(1_000);
    assert.equal(signal.overloaded, true);
    await clock.tick(1_000);
    assert.equal(signal.overloaded, true, 'a window between the bounds breaks the clearing run');
    await clock.tick(500);
    assert.equal(signal.overloaded, true, 'one calm window does not clear it');
    await clock.tick(500);
    assert.equal(signal.overloaded, false);
    assert.deepEqual(
      changes.map((reading) => reading.overloaded),
      [true, false],
      'one event per change',
    );
    signal.close();
  });

  it('counts a window whose own timer fired late (the loop blocked for all of it) as that late', async () => {
    const { clock, signal } = signalOnFakes();
    clock.jump(1_300); // the loop was blocked: no histogram sample, the window's timer (due at 500) fires 800 ms late
    await clock.tick(0);
    assert.equal(signal.reading.delayMs, 800);
    clock.jump(1_300);
    await clock.tick(0);
    assert.equal(signal.overloaded, true);
    signal.close();
  });

  it('trips on utilization only when a bound is given', async () => {
    const busy: LoopWindow = { delayMs: 0, utilization: 0.97 };
    const without = signalOnFakes();
    without.sampler.queue(busy, busy, busy);
    await without.clock.tick(1_500);
    assert.equal(without.signal.overloaded, false);
    without.signal.close();

    const withBound = signalOnFakes({ maxUtilization: 0.9 });
    withBound.sampler.queue(busy, busy, { delayMs: 0, utilization: 0.85 }, { delayMs: 0, utilization: 0.7 });
    await withBound.clock.tick(1_000);
    assert.equal(withBound.signal.overloaded, true);
    await withBound.clock.tick(500);
    assert.equal(withBound.signal.overloaded, true, '0.85 is above the clear bound (0.8)');
    await withBound.clock.tick(1_000);
    assert.equal(withBound.signal.overloaded, false);
    withBound.signal.close();
  });

  it('reset() forgets the windows so far (start-up) and clears the signal', async () => {
    const { clock, sampler, signal } = signalOnFakes();
    sampler.queue(late(500), late(500));
    await clock.tick(1_000);
    assert.equal(signal.overloaded, true);
    signal.reset();
    assert.equal(signal.overloaded, false);
    assert.equal(sampler.resets, 1);
    assert.equal(clock.pendingTimers, 1, 'one sampling timer, not two');
    signal.close();
  });

  it('refuses bounds that cannot work', () => {
    const sampler = scriptedSampler();
    const clock = new FakeClock();
    assert.throws(() => new OverloadSignal({ clock, sampler, maxDelayMs: 0 }), /maxDelayMs/);
    assert.throws(
      () => new OverloadSignal({ clock, sampler, maxDelayMs: 10, clearDelayMs: 20 }),
      /clearDelayMs/,
    );
    assert.throws(() => new OverloadSignal({ clock, sampler, maxUtilization: 1.5 }), /maxUtilization/);
    assert.throws(() => new OverloadSignal({ clock, sampler, tripWindows: 0 }), /tripWindows/);
  });

  it('fails readiness through overloadCheck while tripped, and passes again once cleared', async () => {
    const { clock, sampler, signal } = signalOnFakes();
    const probes = new HealthProbes({ clock });
    probes.markStarted();
    probes.addCheck('readiness', 'event-loop', overloadCheck(signal));
    assert.equal((await probes.evaluate('readiness')).ok, true);
    sampler.queue(late(250), late(250));
    await clock.tick(1_000);
    const tripped = await probes.evaluate('readiness');
    assert.equal(tripped.ok, false);
    assert.match(
      tripped.checks.find((check) => check.name === 'event-loop')?.detail ?? '',
      /^overloaded: event loop delay 250 ms \(bound 100 ms\)/,
    );
    await clock.tick(1_000);
    assert.equal((await probes.evaluate('readiness')).ok, true);
    signal.close();
  });

  it('sees a really busy event loop with the real sampler and clock, and clears once it is idle', async () => {
    const signal = new OverloadSignal({ maxDelayMs: 30, windowMs: 100 });
    try {
      // Busy 60 ms of every turn for ~600 ms: the loop is late turn after turn.
      const until = performance.now() + 600;
      await new Promise<void>((resolve) => {
        const chunk = () => {
          const end = performance.now() + 60;
          while (performance.now() < end) {
            // block the event loop on purpose
          }
          if (performance.now() < until) setImmediate(chunk);
          else resolve();
        };
        chunk();
      });
      assert.equal(signal.overloaded, true, `reading ${JSON.stringify(signal.reading)}`);
      assert.ok(signal.reading.delayMs > 30);
      await waitFor(() => !signal.overloaded, { timeoutMs: 5_000, description: 'the signal to clear' });
    } finally {
      signal.close();
    }
  });
});

describe('eventLoopSampler', () => {
  const blockFor = (ms: number): void => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // block the event loop on purpose
    }
  };
  const nextTimer = () => new Promise((resolve) => setTimeout(resolve, 10));

  it('reads one stall among calm turns as calm (p90), a loop late turn after turn as late', async () => {
    const sampler = eventLoopSampler();
    try {
      for (let tick = 0; tick < 3; tick += 1) await nextTimer();
      sampler.reset();
      blockFor(400);
      for (let tick = 0; tick < 40; tick += 1) await nextTimer();
      const stall = sampler.read();
      assert.ok(stall.delayMs < 150, `one stall reads as ${stall.delayMs} ms late`);
      for (let round = 0; round < 10; round += 1) {
        blockFor(200);
        await new Promise((resolve) => setImmediate(resolve));
        await nextTimer();
      }
      const busy = sampler.read();
      assert.ok(busy.delayMs > 150, `a busy loop reads as ${busy.delayMs} ms late`);
      assert.ok(busy.utilization > 0.5, `a busy loop reads as ${busy.utilization} utilized`);
    } finally {
      sampler.close();
    }
  });
});
