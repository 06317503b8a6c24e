import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@rebound/resilience/testing';
import {
  type ProbeKind,
  type ProbeSet,
  type ProbeSpec,
  type ReplicaEffects,
  type ReplicaEvent,
  ReplicaMachine,
  type RestartPolicy,
} from '../src/index.ts';

const policy: RestartPolicy = {
  initialBackoffMs: 1000,
  maxBackoffMs: 8000,
  resetAfterMs: 60_000,
  terminationGraceMs: 5000,
};

function probeSpec(failureThreshold: number, periodMs = 100): ProbeSpec {
  return {
    kind: 'tcp',
    port: 1,
    initialDelayMs: 0,
    periodMs,
    timeoutMs: 50,
    failureThreshold,
    successThreshold: 1,
  };
}

const allProbes: ProbeSet = { startup: probeSpec(3), liveness: probeSpec(2), readiness: probeSpec(2) };

/** A machine under a fake clock with recording effects instead of processes. */
function harness(probes: ProbeSet = allProbes, restart: RestartPolicy = policy) {
  const clock = new FakeClock();
  const calls: string[] = [];
  const asked: { kind: ProbeKind; incarnation: number }[] = [];
  let nextPid = 100;
  let machine: ReplicaMachine | undefined;
  const effects: ReplicaEffects = {
    spawn: () => {
      calls.push('spawn');
      machine?.spawned(nextPid++);
    },
    signal: (signal) => calls.push(signal),
    probe: (kind, _spec, incarnation) => asked.push({ kind, incarnation }),
  };
  machine = new ReplicaMachine({ clock, effects, probes, restart });
  const events: ReplicaEvent[] = [];
  machine.onEvent((event) => events.push(event));
  /** Answers every probe asked so far (of `kind`, or all) with `ok`. */
  const answer = (ok: boolean, kind?: ProbeKind) => {
    const due = asked.filter((a) => !kind || a.kind === kind);
    for (const a of due) asked.splice(asked.indexOf(a), 1);
    for (const a of due) machine?.probeResult(a.kind, a.incarnation, ok, ok ? '' : 'refused');
  };
  return { clock, calls, asked, events, machine, answer };
}

describe('ReplicaMachine', () => {
  it('is Running and ready as soon as it spawns when it has no probes', () => {
    const { machine, calls } = harness({});
    machine.start();
    assert.deepEqual(calls, ['spawn']);
    assert.equal(machine.state, 'Running');
    assert.equal(machine.ready, true);
    assert.equal(machine.snapshot().pid, 100);
  });

  it('probes only startup until it passes, then liveness and readiness', () => {
    const { machine, clock, asked, answer } = harness();
    machine.start();
    assert.equal(machine.state, 'Starting');
    clock.advance(0);
    assert.deepEqual(
      asked.map((a) => a.kind),
      ['startup'],
    );
    answer(false);
    clock.advance(100);
    assert.deepEqual(
      asked.map((a) => a.kind),
      ['startup'],
    );
    answer(true);
    assert.equal(machine.state, 'Running');
    assert.equal(machine.ready, false);
    clock.advance(0);
    assert.deepEqual(asked.map((a) => a.kind).sort(), ['liveness', 'readiness']);
    answer(true, 'readiness');
    assert.equal(machine.ready, true);
  });

  it('kills a replica whose startup probe fails failureThreshold times', () => {
    const { machine, clock, calls, answer, events } = harness();
    machine.start();
    for (let i = 0; i < 3; i++) {
      clock.advance(100);
      answer(false);
    }
    assert.equal(machine.state, 'Terminating');
    assert.deepEqual(calls, ['spawn', 'SIGTERM']);
    assert.ok(events.some((e) => e.type === 'killing' && e.reason === 'startup'));
  });

  it('kills on failed liveness with SIGTERM, SIGKILL after the grace period, then restarts after the back-off', () => {
    const { machine, clock, calls, answer, events } = harness();
    machine.start();
    clock.advance(0);
    answer(true, 'startup');
    clock.advance(0);
    answer(true);
    assert.equal(machine.ready, true);
    clock.advance(100);
    answer(false, 'liveness');
    assert.equal(machine.state, 'Running', 'one failure is below the threshold of 2');
    clock.advance(100);
    answer(false, 'liveness');
    assert.equal(machine.state, 'Terminating');
    assert.equal(machine.ready, false);
    assert.deepEqual(calls, ['spawn', 'SIGTERM']);
    clock.advance(4999);
    assert.deepEqual(calls, ['spawn', 'SIGTERM']);
    clock.advance(1);
    assert.deepEqual(calls, ['spawn', 'SIGTERM', 'SIGKILL']);
    machine.exited(null, 'SIGKILL');
    assert.equal(machine.state, 'CrashLoopBackOff');
    assert.equal(machine.snapshot().restartInMs, 1000);
    clock.advance(999);
    assert.equal(calls.filter((c) => c === 'spawn').length, 1);
    clock.advance(1);
    assert.equal(calls.filter((c) => c === 'spawn').length, 2);
    assert.equal(machine.state, 'Starting');
    assert.equal(machine.snapshot().restarts, 1);
    assert.equal(machine.snapshot().pid, 101);
    assert.ok(events.some((e) => e.type === 'killing' && e.reason === 'liveness' && e.signal === 'SIGKILL'));
  });

  it('doubles the back-off on every crash up to the maximum', () => {
    const { machine, clock, events } = harness({});
    machine.start();
    const delays: number[] = [];
    for (let crash = 0; crash < 6; crash++) {
      machine.exited(1, null);
      const restarting = events.at(-1);
      assert.equal(restarting?.type, 'restarting');
      if (restarting?.type === 'restarting') delays.push(restarting.delayMs);
      assert.equal(machine.state, 'CrashLoopBackOff');
      clock.advance(restarting?.type === 'restarting' ? restarting.delayMs : 0);
      assert.equal(machine.state, 'Running');
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 8000, 8000]);
    assert.equal(machine.snapshot().restarts, 6);
  });

  it('starts the back-off from the beginning after a run of resetAfterMs', () => {
    const { machine, clock, events } = harness({});
    machine.start();
    machine.exited(1, null);
    clock.advance(1000);
    machine.exited(1, null);
    clock.advance(2000);
    clock.advance(60_000);
    machine.exited(1, null);
    const last = events.at(-1);
    assert.deepEqual(last, { type: 'restarting', delayMs: 1000, restarts: 3 });
  });

  it('restarts after a clean exit too (restart policy Always)', () => {
    const { machine } = harness({});
    machine.start();
    machine.exited(0, null);
    assert.equal(machine.state, 'CrashLoopBackOff');
  });

  it('turns not ready after failureThreshold readiness failures and ready again after a success', () => {
    const { machine, clock, answer, events } = harness({ readiness: probeSpec(2) });
    machine.start();
    clock.advance(0);
    answer(true);
    assert.equal(machine.ready, true);
    clock.advance(100);
    answer(false);
    assert.equal(machine.ready, true);
    clock.advance(100);
    answer(false);
    assert.equal(machine.ready, false);
    assert.equal(machine.state, 'Running', 'readiness never kills');
    clock.advance(100);
    answer(true);
    assert.equal(machine.ready, true);
    assert.deepEqual(
      events.filter((e) => e.type === 'ready' || e.type === 'not-ready').map((e) => e.type),
      ['ready', 'not-ready', 'ready'],
    );
  });

  it('ignores a probe result from an incarnation that is gone', () => {
    const { machine, clock, asked } = harness();
    machine.start();
    clock.advance(0);
    const stale = asked.splice(0);
    machine.exited(1, null);
    clock.advance(1000);
    for (const a of stale) machine.probeResult(a.kind, a.incarnation, true);
    assert.equal(machine.state, 'Starting');
  });

  it('stops for good while waiting out the back-off, without spawning again', () => {
    const { machine, clock, calls, events } = harness({});
    machine.start();
    machine.exited(1, null);
    machine.stop();
    assert.equal(machine.state, 'Stopped');
    clock.advance(10_000);
    assert.deepEqual(calls, ['spawn']);
    assert.equal(clock.pendingTimers, 0);
    assert.equal(events.at(-1)?.type, 'stopped');
  });

  it('stops a running replica with SIGTERM and does not restart it after it exits', () => {
    const { machine, clock, calls } = harness({});
    machine.start();
    machine.stop();
    assert.equal(machine.state, 'Terminating');
    assert.deepEqual(calls, ['spawn', 'SIGTERM']);
    machine.exited(0, null);
    assert.equal(machine.state, 'Stopped');
    clock.advance(60_000);
    assert.deepEqual(calls, ['spawn', 'SIGTERM']);
    assert.equal(clock.pendingTimers, 0);
  });

  it('never starts a replica that was stopped while pending', () => {
    const { machine, calls } = harness({});
    machine.stop();
    machine.start();
    assert.equal(machine.state, 'Stopped');
    assert.deepEqual(calls, []);
  });
});
