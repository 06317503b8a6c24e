import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HealthProbes } from '@rebound/health';
import { FakeClock } from '@rebound/resilience/testing';
import { DegradationFlags, fileDegradationStore, type Logger } from '@rebound/service-defaults';
import { waitFor } from '@rebound/testing';
import { Registry } from 'prom-client';

describe('degradation flags kept in a shared store (files on disk)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebound-degradation-store-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let stamps = 0;
  const replica = (lines: string[] = [], clock = new FakeClock()) => {
    const logger = {
      warn: (_f: unknown, line: string) => lines.push(`warn ${line}`),
      info: (_f: unknown, line: string) => lines.push(`info ${line}`),
      error: (_f: unknown, line: string) => lines.push(`error ${line}`),
    } as unknown as Logger;
    const flags = new DegradationFlags({
      registry: new Registry(),
      logger,
      probes: new HealthProbes(),
      store: fileDegradationStore(dir),
      clock,
      stamp: () => `2026-01-01T00:00:0${++stamps}.000Z`,
    });
    return { flags, flag: flags.declare('serve-stale', 'serve the last good copy'), lines, clock };
  };

  it('a switch at one replica is written to the store; another reads it on its next poll, with the same since and reason', async () => {
    const a = replica();
    const b = replica();
    b.flags.watch();
    await a.flags.set('serve-stale', true, 'remediation: CatalogUnavailable firing');
    assert.equal(a.flag.on, true);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'serve-stale.json'), 'utf8')), {
      on: true,
      since: '2026-01-01T00:00:01.000Z',
      reason: 'remediation: CatalogUnavailable firing',
    });
    assert.equal(b.flag.on, false, 'b has not read the store yet');
    await b.clock.tick(1000);
    await waitFor(() => b.flag.on, { description: 'b to take the flag from the store' });
    assert.deepEqual(b.flags.states()['serve-stale'], a.flags.states()['serve-stale']);
    assert.deepEqual(b.lines, [
      'warn degradation flag serve-stale ON (remediation: CatalogUnavailable firing)',
    ]);
    b.flags.stop();
  });

  it('a replica declared while the store holds the flag on starts with it on (a restart); a switch off there clears it everywhere', async () => {
    const lines: string[] = [];
    const restarted = replica(lines);
    assert.equal(restarted.flag.on, true);
    assert.match(lines[0] ?? '', /^warn degradation flag serve-stale ON at start, as kept in .* since 2026-/);
    const other = replica();
    await restarted.flags.set('serve-stale', false, 'alert resolved');
    await other.flags.refresh();
    assert.equal(other.flag.on, false);
    assert.equal(JSON.parse(readFileSync(join(dir, 'serve-stale.json'), 'utf8')).on, false);
  });

  it('switching on at a replica that has not yet seen a switch off elsewhere is not lost (the store, not the replica, decides)', async () => {
    const a = replica();
    const b = replica();
    await a.flags.set('serve-stale', true, 'on');
    await b.flags.refresh();
    await a.flags.set('serve-stale', false, 'off at a');
    assert.equal(b.flag.on, true, 'b has not polled since');
    await b.flags.set('serve-stale', true, 'on again at b');
    await a.flags.refresh();
    assert.equal(a.flag.on, true);
    assert.equal(JSON.parse(readFileSync(join(dir, 'serve-stale.json'), 'utf8')).reason, 'on again at b');
  });

  it('a damaged file is named once in the log and the replica keeps its state; at start it starts off', async () => {
    const lines: string[] = [];
    const a = replica(lines);
    assert.equal(a.flag.on, true);
    writeFileSync(join(dir, 'serve-stale.json'), '{"on": tru');
    await a.flags.refresh();
    await a.flags.refresh();
    assert.equal(a.flag.on, true);
    assert.equal(lines.filter((l) => l.startsWith('error')).length, 1);
    assert.match(lines.at(-1) ?? '', /^error degradation store: .*serve-stale\.json: not JSON$/);
    const fresh: string[] = [];
    const b = replica(fresh);
    assert.equal(b.flag.on, false);
    assert.match(fresh[0] ?? '', /serve-stale\.json: not JSON; serve-stale starts off$/);
    await a.flags.set('serve-stale', false, 'repaired');
    assert.equal(JSON.parse(readFileSync(join(dir, 'serve-stale.json'), 'utf8')).on, false);
  });
});
