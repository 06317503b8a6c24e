import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, flushMicrotasks } from '@rebound/resilience/testing';
import { HealthProbes } from '../src/index.ts';

describe('HealthProbes', () => {
  it('is not started or ready until markStarted, and live all along', async () => {
    const probes = new HealthProbes();
    assert.equal((await probes.evaluate('startup')).ok, false);
    assert.equal((await probes.evaluate('readiness')).ok, false);
    assert.equal((await probes.evaluate('liveness')).ok, true);
    probes.markStarted();
    assert.equal((await probes.evaluate('startup')).ok, true);
    assert.equal((await probes.evaluate('readiness')).ok, true);
  });

  it('turns readiness off for good when draining, leaving liveness alone', async () => {
    const probes = new HealthProbes();
    probes.markStarted();
    probes.setDraining();
    const report = await probes.evaluate('readiness');
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.checks.find((check) => check.name === 'draining'),
      { name: 'draining', ok: false, detail: 'shutting down' },
    );
    assert.equal((await probes.evaluate('liveness')).ok, true);
  });

  it('fails a probe when any named check returns false, throws or reports not ok', async () => {
    const probes = new HealthProbes();
    probes.markStarted();
    const remove = probes.addCheck('readiness', 'database', () => {
      throw new Error('connection refused');
    });
    probes.addCheck('readiness', 'cache', async () => ({ ok: true, detail: 'warm' }));
    const report = await probes.evaluate('readiness');
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.checks.find((check) => check.name === 'database'),
      {
        name: 'database',
        ok: false,
        detail: 'connection refused',
      },
    );
    assert.deepEqual(
      report.checks.find((check) => check.name === 'cache'),
      { name: 'cache', ok: true, detail: 'warm' },
    );
    remove();
    assert.equal((await probes.evaluate('readiness')).ok, true);
  });

  it('counts a check that does not answer within its timeout as failed', async () => {
    const clock = new FakeClock();
    const probes = new HealthProbes({ clock, checkTimeoutMs: 1_000 });
    probes.markStarted();
    probes.addCheck('readiness', 'hung', () => new Promise<boolean>(() => {}));
    probes.addCheck('readiness', 'slow', () => new Promise<boolean>(() => {}), { timeoutMs: 5_000 });
    const result: { report?: Awaited<ReturnType<HealthProbes['evaluate']>> } = {};
    void probes.evaluate('readiness').then((value) => {
      result.report = value;
    });
    await clock.tick(999);
    assert.equal('report' in result, false, 'no answer before the timeout');
    await clock.tick(4_001);
    await flushMicrotasks();
    const report = result.report;
    assert.ok(report);
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.checks.find((check) => check.name === 'hung'),
      {
        name: 'hung',
        ok: false,
        detail: 'timed out after 1000 ms',
      },
    );
    assert.equal(clock.pendingTimers, 0);
  });

  it('lets state be pushed through a flag, e.g. overload', async () => {
    const probes = new HealthProbes();
    probes.markStarted();
    const overload = probes.flag('readiness', 'overload', true);
    overload.set(false, 'shedding 40% of requests');
    const report = await probes.evaluate('readiness');
    assert.equal(report.ok, false);
    assert.equal(
      report.checks.find((check) => check.name === 'overload')?.detail,
      'shedding 40% of requests',
    );
    overload.set(true);
    assert.equal((await probes.evaluate('readiness')).ok, true);
  });

  it('refuses two checks with one name on one probe', () => {
    const probes = new HealthProbes();
    probes.addCheck('liveness', 'event-loop', () => true);
    assert.throws(() => probes.addCheck('liveness', 'event-loop', () => true), /already registered/);
  });
});
