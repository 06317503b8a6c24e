import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePortBlock, waitFor } from '@rebound/testing';
import type { StatusReport } from '../src/index.ts';

const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');
const TOPOLOGY = join(import.meta.dirname, 'fixtures', 'topology.fixture.ts');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: string[]): ChildProcess & { output: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, ['--conditions=development', CLI, ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
  });
  return Object.assign(child, { output });
}

function exited(child: ReturnType<typeof cli>): Promise<Run> {
  return new Promise((resolve) => {
    const done = (code: number | null) => resolve({ code, ...child.output });
    if (child.exitCode !== null) done(child.exitCode);
    else child.once('close', done);
  });
}

const run = (args: string[]) => exited(cli(args));

/** For `finally`: a supervisor left running by a failed assertion is stopped the proper way, children included. */
async function stopCli(child: ReturnType<typeof cli>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGTERM'), 5000);
  await exited(child);
  clearTimeout(timer);
}

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('cli', () => {
  let dataDir = '';
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rebound-local-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints usage for --help and exits 0', async () => {
    const result = await run(['--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^Usage: node infra\/local\/src\/cli\.ts <command>/);
  });

  it('rejects a bad flag with one line and exit code 2', async () => {
    const result = await run(['up', '--replicas', 'catalog']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, "--replicas expects name=N, got 'catalog'\n");
    const unknown = await run(['up', '--frobnicate']);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr.trim().split('\n').length, 1);
  });

  it('status says in one line that no supervisor runs, exit code 1', async () => {
    const result = await run(['status', '--data-dir', dataDir]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      /^no supervisor is running \(no .*supervisor\.json\); start one with 'npm start'\n$/,
    );
  });

  it('status says so when supervisor.json names a supervisor that no longer answers', async () => {
    const staleDir = await mkdtemp(join(tmpdir(), 'rebound-local-stale-'));
    try {
      const port = await freePortBlock(1);
      await mkdir(join(staleDir, 'local'), { recursive: true });
      const file = {
        pid: 999_999,
        port,
        url: `http://127.0.0.1:${port}`,
        startedAt: new Date().toISOString(),
      };
      await writeFile(join(staleDir, 'local', 'supervisor.json'), JSON.stringify(file));
      const result = await run(['status', '--data-dir', staleDir]);
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /^no supervisor is running \(.* names pid 999999 .* does not answer: ECONNREFUSED\)\n$/,
      );
    } finally {
      await rm(staleDir, { recursive: true, force: true });
    }
  });

  it('up runs the topology, status and /metrics report it, SIGTERM stops everything and exits 0', async () => {
    const basePort = await freePortBlock(30);
    const up = cli(['up', '--topology', TOPOLOGY, '--data-dir', dataDir, '--base-port', String(basePort)]);
    try {
      // The status table printed once everything is ready ends with this summary line.
      await waitFor(() => /^3\/3 ready, supervisor up/m.test(up.output.stdout), {
        description: `the ready table in:\n${up.output.stdout}${up.output.stderr}`,
        timeoutMs: 15_000,
      });
      const out = up.output.stdout;
      assert.match(
        out,
        /^local +\| skipping later: coming \(not-written-yet\.fixture\.ts does not exist yet\)$/m,
      );
      assert.match(out, new RegExp(`^local +\\| api: http://127\\.0\\.0\\.1:${basePort + 10}$`, 'm'));
      assert.match(out, new RegExp(`^api-1 +\\| healthy api-1 peers=127\\.0\\.0\\.1:${basePort}$`, 'm'));
      assert.match(out, /^NAME +PID +STATE +READY +RESTARTS +PORTS +UPTIME \/ NOTE$/m);
      assert.match(out, /^local +\| everything is ready$/m);

      const status = await run(['status', '--data-dir', dataDir]);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /^db-0 +\d+ +Running +yes +0 +\d+, admin \d+ +up /m);
      assert.match(status.stdout, /^api-1 +\d+ +Running +yes +0 /m);
      assert.match(status.stdout, /^later +- +Coming +- +- +- +coming /m);

      const again = await run(['up', '--topology', TOPOLOGY, '--data-dir', dataDir]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^a supervisor is already running/);

      const json = await run(['status', '--data-dir', dataDir, '--json']);
      const report = JSON.parse(json.stdout) as StatusReport;
      const pids = report.rows.flatMap((row) => (row.pid === undefined ? [] : [row.pid]));
      assert.equal(pids.length, 3);
      const grandchildren = [...out.matchAll(/grandchild (\d+)/g)].map((m) => Number(m[1]));
      assert.equal(grandchildren.length, 2);

      const file = JSON.parse(await readFile(join(dataDir, 'local', 'supervisor.json'), 'utf8')) as {
        url: string;
      };
      const metrics = await fetchText(`${file.url}/metrics`);
      assert.match(metrics, /^# TYPE rebound_supervisor_restarts_total counter$/m);
      assert.match(
        metrics,
        /^rebound_supervisor_restarts_total\{process="api-1",service="api",replica="1"\} 0$/m,
      );
      assert.match(
        metrics,
        /^rebound_supervisor_process_ready\{process="db-0",service="db",replica="0"\} 1$/m,
      );

      up.kill('SIGTERM');
      const result = await exited(up);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /all processes stopped, no process group left/);
      for (const pid of [...pids, ...grandchildren])
        assert.equal(pidAlive(pid), false, `pid ${pid} still alive`);
      assert.equal(existsSync(join(dataDir, 'local', 'supervisor.json')), false);
      const stopOrder = [...result.stdout.matchAll(/^local +\| (\S+) stopped$/gm)].map((m) => m[1]);
      assert.equal(stopOrder.at(-1), 'db-0', 'the dependency stops last');
    } finally {
      await stopCli(up);
    }
  });

  it('a second SIGTERM SIGKILLs what ignores the first instead of waiting out the grace period', async () => {
    const basePort = await freePortBlock(10);
    const stubbornDir = await mkdtemp(join(tmpdir(), 'rebound-local-stubborn-'));
    const topology = join(import.meta.dirname, 'fixtures', 'stubborn-topology.fixture.ts');
    const up = cli([
      'up',
      '--topology',
      topology,
      '--data-dir',
      stubbornDir,
      '--base-port',
      String(basePort),
    ]);
    try {
      await waitFor(() => /^1\/1 ready/m.test(up.output.stdout), { description: 'stubborn ready' });
      const pid = Number(/stubborn-0 started \(pid (\d+)\)/.exec(up.output.stdout)?.[1]);
      up.kill('SIGTERM');
      await waitFor(() => up.output.stdout.includes('SIGTERM ignored'), {
        description: 'the first SIGTERM ignored',
      });
      up.kill('SIGTERM');
      const result = await exited(up);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /SIGTERM again: SIGKILL to every process group/);
      assert.match(result.stdout, /stubborn-0 exited on SIGKILL/);
      assert.equal(pidAlive(pid), false);
    } finally {
      await stopCli(up);
      await rm(stubbornDir, { recursive: true, force: true });
    }
  });

  it('refuses to start with one line when a port of the plan is taken', async () => {
    const basePort = await freePortBlock(30);
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(basePort + 11, '127.0.0.1', resolve));
    try {
      const result = await run([
        'up',
        '--topology',
        TOPOLOGY,
        '--data-dir',
        dataDir,
        '--base-port',
        String(basePort),
      ]);
      assert.equal(result.code, 1);
      assert.equal(
        result.stderr,
        `ports already in use: ${basePort + 11} (api-1); a leftover process or another run? pick others with --base-port\n`,
      );
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
