// Scheduled base backups under a fake clock: when the first one runs, that failures are counted and retried at
// the next period, and that the age metric follows the last good one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BackupRecord } from '@rebound/postgres-dev';
import { FakeClock } from '@rebound/resilience/testing';
import { BackupSchedule } from '../src/index.ts';

const HOUR = 3_600_000;
const record = (finishedAt: number): BackupRecord => ({
  id: `b-${finishedAt}`,
  from: 'postgres-0',
  startLsn: '0/1',
  stopLsn: '0/2',
  startedAt: new Date(finishedAt).toISOString(),
  finishedAt: new Date(finishedAt).toISOString(),
  bytes: 1,
});

function harness(lastFinishedAt: number | undefined, outcomes: ('ok' | 'fail')[]) {
  const start = 1_000_000_000_000;
  const clock = new FakeClock(start);
  const wall = () => clock.now();
  const runs: number[] = [];
  const lines: string[] = [];
  const schedule = new BackupSchedule({
    clock,
    backup: async () => {
      runs.push(clock.now() - start);
      if (outcomes.shift() === 'fail') throw new Error('disk full');
      return record(wall());
    },
    lastFinishedAt,
    everyMs: HOUR,
    firstAfterMs: 120_000,
    log: (level, line) => lines.push(`${level}: ${line}`),
  });
  return { clock, schedule, runs, lines, wall };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('BackupSchedule', () => {
  it('takes the first backup two minutes after start when none exists, then one an hour', async () => {
    const h = harness(undefined, ['ok', 'ok']);
    h.schedule.start();
    h.clock.advance(119_000);
    assert.deepEqual(h.runs, []);
    h.clock.advance(1_000);
    await settle();
    assert.deepEqual(h.runs, [120_000]);
    assert.equal(h.schedule.lastFinishedAt, h.wall());
    h.clock.advance(HOUR);
    await settle();
    assert.deepEqual(h.runs, [120_000, 120_000 + HOUR]);
  });

  it('waits out the period of a recent backup found on disk', async () => {
    const h = harness(1_000_000_000_000 - 20 * 60_000, ['ok']);
    h.schedule.start();
    h.clock.advance(39 * 60_000);
    assert.deepEqual(h.runs, []);
    h.clock.advance(60_000);
    await settle();
    assert.deepEqual(h.runs, [40 * 60_000]);
  });

  it('counts a failed backup, keeps the last good time, and tries again at the next period', async () => {
    const h = harness(undefined, ['fail', 'ok']);
    h.schedule.start();
    h.clock.advance(120_000);
    await settle();
    assert.equal(h.schedule.failures, 1);
    assert.equal(h.schedule.lastFinishedAt, undefined);
    assert.match(h.lines.at(-1) ?? '', /^warn: postgres: scheduled base backup failed: disk full$/);
    h.clock.advance(HOUR);
    await settle();
    assert.equal(h.runs.length, 2);
    assert.notEqual(h.schedule.lastFinishedAt, undefined);
  });
});
