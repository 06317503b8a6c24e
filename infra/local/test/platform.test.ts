import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePortBlock, waitFor } from '@rebound/testing';

const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

// The real platform topology, restricted to what exists in every checkout today: the dev Kafka broker.
describe('platform topology', () => {
  it('runs the dev Kafka broker, probes it over TCP, serves its metrics on the admin port, stops it cleanly', async () => {
    const basePort = await freePortBlock(10);
    const dataDir = await mkdtemp(join(tmpdir(), 'rebound-local-platform-'));
    const up = spawn(
      process.execPath,
      [
        '--conditions=development',
        CLI,
        'up',
        '--only',
        'kafka',
        '--base-port',
        String(basePort),
        '--data-dir',
        dataDir,
      ],
      { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    up.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    up.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    const exit = new Promise<number | null>((resolve) => up.once('close', resolve));
    try {
      await waitFor(() => /^1\/1 ready/m.test(out), {
        description: `the broker ready in:\n${out}`,
        timeoutMs: 20_000,
      });
      // The TCP probe can pass before the broker's own log line has been relayed: wait for the line.
      const listening = new RegExp(`^kafka-0 +\\| .*listening on 127\\.0\\.0\\.1:${basePort}`, 'm');
      await waitFor(() => listening.test(out), { description: `the broker's prefixed log line in:\n${out}` });
      assert.equal(await status(`http://127.0.0.1:${basePort + 5}/metrics`), 200);
      up.kill('SIGINT');
      assert.equal(await exit, 0, out);
      assert.match(out, /kafka-0 exited with code 0/);
      assert.match(out, /all processes stopped, no process group left/);
    } finally {
      if (up.exitCode === null && up.signalCode === null) {
        // A second signal makes the supervisor SIGKILL its groups, so nothing outlives a failed test.
        up.kill('SIGINT');
        const timer = setTimeout(() => up.kill('SIGINT'), 5000);
        await exit;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
