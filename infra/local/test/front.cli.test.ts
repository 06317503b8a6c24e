// The front as `up` runs it: one stable port before two replicas, and no client error when one is SIGKILLed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePortBlock, waitFor } from '@rebound/testing';
import { fetchStatus } from '../src/index.ts';

const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');
const TOPOLOGY = join(import.meta.dirname, 'fixtures', 'front-topology.fixture.ts');

/** One request on a fresh connection: the answering replica's name, or the error code. */
function hit(port: number): Promise<string> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`));
  });
}

describe('up with a front', () => {
  it('balances over the replicas on one port and loses no request when one is SIGKILLed', async () => {
    const basePort = await freePortBlock(10);
    const dataDir = await mkdtemp(join(tmpdir(), 'rebound-local-front-'));
    await chmod(dataDir, 0o755);
    const up = spawn(
      process.execPath,
      [
        '--conditions=development',
        CLI,
        'up',
        '--topology',
        TOPOLOGY,
        '--data-dir',
        dataDir,
        '--base-port',
        `${basePort}`,
      ],
      { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    up.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    up.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const exit = new Promise<number | null>((resolve) => up.once('close', resolve));
    try {
      await waitFor(() => out.includes('everything is ready'), { timeoutMs: 30_000, description: 'ready' });
      assert.match(out, new RegExp(`^local +\\| web front on 127\\.0\\.0\\.1:${basePort}, round robin`, 'm'));
      assert.match(out, new RegExp(`^local +\\| web: http://127\\.0\\.0\\.1:${basePort}$`, 'm'));
      const first = await Promise.all([hit(basePort), hit(basePort), hit(basePort), hit(basePort)]);
      assert.deepEqual([...new Set(first)].sort(), ['web-0', 'web-1']);

      const status = await fetchStatus(join(dataDir, 'local', 'supervisor.json'));
      const victim = status.rows.find((row) => row.name === 'web-1')!;
      process.kill(victim.pid!, 'SIGKILL');
      const during = [];
      for (let i = 0; i < 20; i++) during.push(await hit(basePort));
      assert.deepEqual(
        during.filter((answer) => answer !== 'web-0' && answer !== 'web-1'),
        [],
        'every request answered by a replica',
      );
      await waitFor(
        async () => {
          const row = (await fetchStatus(join(dataDir, 'local', 'supervisor.json'))).rows.find(
            (r) => r.name === 'web-1',
          );
          return row?.ready && row.restarts === 1;
        },
        { timeoutMs: 20_000, description: 'web-1 restarted and ready' },
      );
      up.kill('SIGTERM');
      assert.equal(await exit, 0, out);
    } finally {
      if (up.exitCode === null) {
        up.kill('SIGTERM');
        await exit;
      }
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
