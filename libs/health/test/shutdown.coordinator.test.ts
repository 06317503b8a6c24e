import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, flushMicrotasks } from '@rebound/resilience/testing';
import { HealthProbes, ShutdownCoordinator } from '../src/index.ts';

function setup(options: { drainDelayMs?: number; drainTimeoutMs?: number; hookTimeoutMs?: number } = {}) {
  const clock = new FakeClock();
  const probes = new HealthProbes({ clock });
  probes.markStarted();
  const events: string[] = [];
  const exits: number[] = [];
  const coordinator = new ShutdownCoordinator({
    probes,
    clock,
    drainDelayMs: options.drainDelayMs ?? 1_000,
    drainTimeoutMs: options.drainTimeoutMs ?? 5_000,
    hookTimeoutMs: options.hookTimeoutMs ?? 2_000,
    exit: (code) => {
      events.push(`exit ${code}`);
      exits.push(code);
    },
    log: (line) => events.push(`log ${line}`),
  });
  return { clock, probes, events, exits, coordinator };
}

describe('ShutdownCoordinator', () => {
  it('turns readiness off, waits the drain delay and in-flight work, then runs hooks in reverse', async () => {
    const { clock, probes, events, exits, coordinator } = setup();
    const endRequest = coordinator.inflight.begin();
    coordinator.onDrain('http', () => {
      events.push('drain http');
    });
    coordinator.onShutdown('database', () => {
      events.push('close database');
    });
    coordinator.onShutdown('kafka', async () => {
      events.push('close kafka');
    });

    coordinator.signal('SIGTERM');
    await flushMicrotasks();
    assert.equal(probes.draining, true);
    assert.equal((await probes.evaluate('readiness')).ok, false);
    assert.equal(coordinator.state, 'draining');

    await clock.tick(999);
    assert.ok(!events.includes('drain http'), 'drain hooks wait for the drain delay');
    await clock.tick(1);
    assert.ok(events.includes('drain http'));

    await clock.tick(3_000);
    assert.deepEqual(exits, [], 'still waiting for the in-flight request');
    endRequest();
    await flushMicrotasks();
    assert.deepEqual(
      events.filter((event) => !event.startsWith('log')),
      ['drain http', 'close kafka', 'close database', 'exit 0'],
    );
    assert.equal(coordinator.state, 'stopped');
  });

  it('gives up on in-flight work after the drain timeout and exits 1', async () => {
    const { clock, events, exits, coordinator } = setup({ drainDelayMs: 0, drainTimeoutMs: 5_000 });
    coordinator.inflight.begin();
    coordinator.onShutdown('database', () => {
      events.push('close database');
    });
    const done = coordinator.shutdown('test');
    await clock.tick(4_999);
    assert.deepEqual(exits, []);
    await clock.tick(1);
    assert.equal(await done, 1);
    assert.deepEqual(exits, [1]);
    assert.ok(events.includes('close database'), 'hooks still run after a drain timeout');
    assert.ok(events.some((event) => /drain timed out after 5000 ms with 1 in flight/.test(event)));
  });

  it('bounds each hook, runs the rest after a hung or failing one, and exits 1', async () => {
    const { clock, events, coordinator } = setup({ drainDelayMs: 0, hookTimeoutMs: 2_000 });
    coordinator.onShutdown('first', () => {
      events.push('first');
    });
    coordinator.onShutdown('throws', () => {
      throw new Error('broker gone');
    });
    coordinator.onShutdown('hangs', () => new Promise<void>(() => {}));
    const done = coordinator.shutdown('test');
    await clock.tick(1_999);
    assert.ok(!events.includes('first'));
    await clock.tick(1);
    assert.equal(await done, 1);
    assert.ok(events.includes('first'));
    assert.ok(events.some((event) => /hook 'hangs' timed out after 2000 ms/.test(event)));
    assert.ok(events.some((event) => /hook 'throws' failed: broker gone/.test(event)));
  });

  it('counts a failing drain hook as a failure', async () => {
    const { coordinator } = setup({ drainDelayMs: 0 });
    coordinator.onDrain('grpc', async () => {
      throw new Error('tryShutdown failed');
    });
    assert.equal(await coordinator.shutdown('test'), 1);
  });

  it('forces exit 1 on a second signal', async () => {
    const { clock, exits, coordinator } = setup();
    coordinator.inflight.begin();
    coordinator.signal('SIGTERM');
    await clock.tick(10);
    assert.deepEqual(exits, []);
    coordinator.signal('SIGINT');
    assert.deepEqual(exits, [1]);
  });

  it('runs the sequence once however often it is asked', async () => {
    const { exits, coordinator } = setup({ drainDelayMs: 0 });
    const first = coordinator.shutdown('a');
    const second = coordinator.shutdown('b');
    assert.equal(first, second);
    assert.equal(await first, 0);
    assert.deepEqual(exits, [0]);
  });

  it('tracks promises as in-flight work', async () => {
    const { coordinator } = setup();
    let finish!: () => void;
    const work = coordinator.inflight.track(new Promise<void>((resolve) => (finish = resolve)));
    assert.equal(coordinator.inflight.count, 1);
    finish();
    await work;
    assert.equal(coordinator.inflight.count, 0);
  });
});
