import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoopLagMonitor, type LoopLagSources } from '../src/index.ts';

/** Hand-driven CPU time, idle time and check phase. */
function fakeLoop() {
  const state = { cpu: 0, idle: 0, scheduled: [] as (() => void)[] };
  const sources: LoopLagSources = {
    cpuTime: () => state.cpu,
    idleTime: () => state.idle,
    schedule: (callback) => {
      state.scheduled.push(callback);
    },
  };
  return {
    state,
    sources,
    /** Busy for `ms` of CPU (work, or calls being served). */
    busy(ms: number) {
      state.cpu += ms;
    },
    /** Waiting for I/O for `ms`. */
    rest(ms: number) {
      state.idle += ms;
    },
    /** Descheduled by the OS for `ms` (a busy machine): neither CPU nor idle time passes. */
    descheduled(_ms: number) {},
    /** The check phase: runs what was scheduled. */
    check() {
      const due = state.scheduled.splice(0);
      for (const callback of due) callback();
    },
  };
}

describe('LoopLagMonitor', () => {
  it('reports the loop busy time since the last turn with calls, once per turn', () => {
    const loop = fakeLoop();
    const monitor = new LoopLagMonitor(loop.sources);
    assert.equal(monitor.waitedMs(), 0, 'nothing known yet');
    assert.equal(monitor.turn, 1);
    assert.equal(loop.state.scheduled.length, 1, 'one mark per turn');
    loop.check(); // mark at t=0
    loop.busy(30); // the admitted calls' work runs after the mark (handlers that yield first)
    assert.equal(monitor.waitedMs(), 30, 'requests read now waited behind 30 ms of work');
    loop.busy(5);
    assert.equal(monitor.waitedMs(), 30, 'the same estimate for every call of the turn');
    assert.equal(monitor.turn, 2);
    assert.equal(loop.state.scheduled.length, 1);
    loop.check();
    assert.equal(monitor.waitedMs(), 35, 'the loop has not rested: the turn before still counts');
    assert.equal(monitor.turn, 3);
    loop.check();
    loop.rest(1);
    assert.equal(monitor.waitedMs(), 0, 'once the loop waited for I/O, the socket had been read');
  });

  it('never counts idle time as waiting', () => {
    const loop = fakeLoop();
    const monitor = new LoopLagMonitor(loop.sources);
    monitor.waitedMs();
    loop.check();
    loop.rest(10_000);
    loop.busy(2);
    assert.equal(monitor.waitedMs(), 2);
  });

  it('reports how long the loop waited for I/O since the last turn with calls', () => {
    const loop = fakeLoop();
    const monitor = new LoopLagMonitor(loop.sources);
    monitor.waitedMs();
    assert.equal(monitor.restedMs, 0, 'nothing known before the first call');
    loop.check();
    // 8 s without calls, timers and pollers using 5 % of the core between sleeps.
    for (let i = 0; i < 80; i++) {
      loop.rest(95);
      loop.busy(5);
    }
    monitor.waitedMs();
    assert.equal(monitor.restedMs, 7_600);
    loop.check();
    loop.busy(1);
    monitor.waitedMs();
    assert.equal(monitor.restedMs, 0, 'a turn right behind the one before');
  });

  it('counts work done before the last mark when the loop has not rested since (handlers that block at once)', () => {
    const loop = fakeLoop();
    const monitor = new LoopLagMonitor(loop.sources);
    monitor.waitedMs();
    loop.busy(40); // handlers burn synchronously, before the check phase
    loop.check(); // mark: the turn was 40 ms busy
    loop.busy(1);
    assert.equal(monitor.waitedMs(), 40, 'the next batch waited in the socket during those 40 ms');
    loop.check();
    loop.rest(5);
    assert.equal(monitor.waitedMs(), 0, 'after a rest, the socket was read while idle');
  });

  it('leaves out time the process was descheduled, which admitting less would not fix', () => {
    const loop = fakeLoop();
    const monitor = new LoopLagMonitor(loop.sources);
    monitor.waitedMs();
    loop.check();
    loop.busy(3);
    loop.descheduled(400);
    assert.equal(monitor.waitedMs(), 3);
  });

  it('schedules nothing while no call arrives', () => {
    const loop = fakeLoop();
    const monitor = new LoopLagMonitor(loop.sources);
    monitor.waitedMs();
    loop.check();
    loop.rest(1_000);
    loop.check();
    assert.equal(loop.state.scheduled.length, 0);
  });
});
