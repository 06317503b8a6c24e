import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const index = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

describe('timers', () => {
  it('never keep the process alive: pending timeouts, backoffs and queue timers let Node exit', () => {
    const script = `
      import { bulkhead, constantBackoff, pipeline, retry, timeout } from ${JSON.stringify(index)};
      const p = pipeline(bulkhead({ maxConcurrent: 1, maxQueue: 5, queueTimeoutMs: 60_000 }), timeout(60_000),
        retry({ maxRetries: 5, backoff: constantBackoff(60_000) }));
      p.execute(() => new Promise(() => {})).catch(() => {});
      p.execute(() => 1).catch(() => {});
      retry({ backoff: constantBackoff(60_000) }).execute(async () => { throw new Error('x'); }).catch(() => {});
      console.log('scheduled');
    `;
    const started = Date.now();
    const child = spawnSync(
      process.execPath,
      ['--conditions=development', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), 'scheduled');
    assert.ok(Date.now() - started < 20_000);
  });
});
