import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderDrillMetrics } from '../src/drill.metrics.ts';

const value = (text: string, name: string) => new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];

describe('restore drill metrics', () => {
  it('exports 0 for both times before any drill, so the alerts can read them', () => {
    const text = renderDrillMetrics({});
    assert.equal(value(text, 'rebound_postgres_last_verified_restore_timestamp_seconds'), '0');
    assert.equal(value(text, 'rebound_postgres_last_drill_timestamp_seconds'), '0');
    assert.equal(value(text, 'rebound_postgres_last_verified_restore_rto_seconds'), undefined);
  });

  it('shows a failed last drill as newer than the last verified restore, with that restore’s RTO and RPO', () => {
    const text = renderDrillMetrics({
      last: { finishedAt: '2026-01-02T00:00:00.000Z', passed: false, reason: 'holes' },
      lastPassed: { finishedAt: '2026-01-01T00:00:00.500Z', passed: true, rtoMs: 11_200, rpoMs: 1_850 },
    });
    assert.equal(value(text, 'rebound_postgres_last_drill_timestamp_seconds'), '1767312000');
    assert.equal(value(text, 'rebound_postgres_last_verified_restore_timestamp_seconds'), '1767225600.5');
    assert.equal(value(text, 'rebound_postgres_last_verified_restore_rto_seconds'), '11.2');
    assert.equal(value(text, 'rebound_postgres_last_verified_restore_rpo_seconds'), '1.85');
  });
});
