import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DRILL_RECORD_FILE, readDrillRecord, recordDrill } from '../src/index.ts';

describe('drill record (<backup-dir>/drill.json)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rebound-drill-record-'));
  after(() => rm(dir, { recursive: true, force: true }));

  it('is empty before any drill, and when the file is unreadable', async () => {
    assert.deepEqual(readDrillRecord(join(dir, 'nothing-here')), {});
    const broken = join(dir, 'broken');
    await recordDrill(broken, { finishedAt: '2026-01-01T00:00:00.000Z', passed: true });
    await writeFile(join(broken, DRILL_RECORD_FILE), '{ not json');
    assert.deepEqual(readDrillRecord(broken), {});
  });

  it('keeps the last passed drill when a later one fails, and replaces it when one passes again', async () => {
    const backups = join(dir, 'backups');
    const passed = { finishedAt: '2026-01-01T00:00:00.000Z', passed: true, rtoMs: 11_000, rpoMs: 1_500 };
    const failed = {
      finishedAt: '2026-01-02T00:00:00.000Z',
      passed: false,
      reason: 'RTO 71000 ms (bar 60000)',
    };
    assert.deepEqual(await recordDrill(backups, passed), { last: passed, lastPassed: passed });
    assert.deepEqual(await recordDrill(backups, failed), { last: failed, lastPassed: passed });
    assert.deepEqual(readDrillRecord(backups), { last: failed, lastPassed: passed });
    const again = { finishedAt: '2026-01-03T00:00:00.000Z', passed: true, rtoMs: 12_000, rpoMs: 900 };
    assert.deepEqual(await recordDrill(backups, again), { last: again, lastPassed: again });
  });

  it('records a failed first drill with no passed one', async () => {
    const failed = { finishedAt: '2026-01-02T00:00:00.000Z', passed: false, reason: 'holes' };
    assert.deepEqual(await recordDrill(join(dir, 'first'), failed), { last: failed });
  });
});
