import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openPostgres } from '@rebound/storage';
import { waitFor } from '@rebound/testing';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

function run(args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  return { child, output: () => output };
}

function listeningUrl(output: () => string): Promise<string> {
  return waitFor(() => /\((postgres:\/\/[^)]+)\)/.exec(output())?.[1], {
    timeoutMs: 30_000,
    description: 'pglite-dev to print its URL',
  });
}

describe('pglite-dev CLI', () => {
  it('serves pg clients and exits 0 on SIGTERM', async () => {
    const { child, output } = run(['--port', '0']);
    const url = await listeningUrl(output);
    const db = await openPostgres({ url });
    const { rows } = await db.query<{ answer: number }>('SELECT 41 + 1 AS answer');
    assert.deepEqual(rows, [{ answer: 42 }]);
    await db.close();
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, output());
    assert.match(output(), /SIGTERM, closing/);
  });

  it('refuses a bad flag with one line and exit code 2', async () => {
    const { child, output } = run(['--port', 'seventy']);
    const [code] = await once(child, 'exit');
    assert.equal(code, 2);
    assert.match(output(), /^pglite-dev: --port must be 0\.\.65535, got seventy$/m);
  });
});
