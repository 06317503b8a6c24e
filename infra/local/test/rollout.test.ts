import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { freePortBlock, waitFor } from '@rebound/testing';
import type { RolloutRecord } from '../src/rollout.store.ts';
import { steadyTraffic } from './support/steady-traffic.ts';

const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');
/** The control server's token for this test's supervisor (every POST needs it). */
const TOKEN = 'rollout-test-token';
/** Catalog is slot 1: replica r serves on base + 10 + r, its admin port is base + 15 + r. */
const CATALOG_SLOT = 10;

interface Rollouts {
  active: RolloutRecord | null;
  history: RolloutRecord[];
  replicas: { replica: string; version: string; behaviour: string }[];
}

function http(url: string, method = 'GET', body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent: false,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

class Platform {
  readonly child: ChildProcess;
  out = '';
  readonly exit: Promise<number | null>;

  constructor(basePort: number, dataDir: string) {
    this.child = spawn(
      process.execPath,
      [
        '--conditions=development',
        CLI,
        'up',
        '--only',
        'catalog',
        '--base-port',
        String(basePort),
        '--data-dir',
        dataDir,
      ],
      { env: { ...process.env, NO_COLOR: '1', ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        this.out += chunk;
      });
    }
    this.exit = new Promise((resolve) => this.child.once('close', resolve));
  }

  async control(): Promise<string> {
    const match = await waitFor(() => /control (http:\/\/127\.0\.0\.1:\d+)/.exec(this.out), {
      description: 'the control server line',
      timeoutMs: 20_000,
    });
    return match[1]!;
  }

  async stop(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exit;
  }
}

async function rollouts(control: string): Promise<Rollouts> {
  return JSON.parse((await http(`${control}/rollouts`)).text) as Rollouts;
}

async function ended(control: string, id: number): Promise<RolloutRecord> {
  return waitFor(
    async () => {
      const { history } = await rollouts(control);
      return history.find((r) => r.id === id);
    },
    { description: `rollout #${id} to end`, timeoutMs: 150_000, intervalMs: 250 },
  );
}

/** The version a replica says it runs, from its own /metrics (not the supervisor's view). */
async function servedVersion(adminPort: number): Promise<string | undefined> {
  const { text } = await http(`http://127.0.0.1:${adminPort}/metrics`);
  return /rebound_build_info\{version="([^"]+)"/.exec(text)?.[1];
}

async function catalogVersions(basePort: number, report: Rollouts): Promise<string[]> {
  return Promise.all(
    report.replicas.map((r) => servedVersion(basePort + CATALOG_SLOT + 5 + Number(r.replica.split('-')[1]))),
  ).then((versions) => versions.map((v) => v ?? '?').sort());
}

describe('rollouts of catalog under steady traffic (real processes)', () => {
  let basePort: number;
  let dataDir: string;
  let platform: Platform;
  let control: string;
  let traffic: ReturnType<typeof steadyTraffic>;

  before(async () => {
    basePort = await freePortBlock(20);
    dataDir = await mkdtemp(join(tmpdir(), 'rebound-rollout-'));
    platform = new Platform(basePort, dataDir);
    control = await platform.control();
    await waitFor(() => /^2\/2 ready/m.test(platform.out), {
      description: 'catalog ready',
      timeoutMs: 60_000,
    });
    const endpoints = pathToFileURL(join(dataDir, 'local', 'endpoints', 'catalog')).href;
    // 40 calls a second, the users of this test; bounded at 20 000 calls.
    traffic = steadyTraffic(endpoints, 25, 20_000);
    await waitFor(() => traffic.tally.ok >= 40, { description: 'traffic flowing' });
  });

  after(async () => {
    await traffic?.stop();
    if (platform && platform.child.exitCode === null) await platform.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('rolls a version that fails 50 % of its calls back within 60 s of its first bad signal, ≤ 1 % of calls failed', async () => {
    const before = traffic.snapshot();
    const started = await http(`${control}/rollouts`, 'POST', {
      process: 'catalog',
      to: 'v-bad',
      behaviour: 'error-ratio=0.5',
      settings: { windowMs: 20_000, intervalMs: 1000, thresholds: { minRequests: 10 } },
    });
    assert.equal(started.status, 202, started.text);
    const record = await ended(control, (JSON.parse(started.text) as RolloutRecord).id);
    const seen = traffic.since(before);
    console.log(
      `# rollout | bad version: ${record.phase} in ${record.rollbackMs} ms after the first bad signal (${record.reason}); users: ${seen.failed}/${seen.total} failed = ${(seen.ratio * 100).toFixed(2)} %`,
    );
    assert.equal(record.phase, 'RolledBack', JSON.stringify(record, null, 2));
    assert.match(record.reason ?? '', /error ratio: new/);
    assert.ok(
      record.rollbackMs !== undefined && record.rollbackMs <= 60_000,
      `rollback took ${record.rollbackMs} ms`,
    );
    assert.ok(seen.total >= 100, `only ${seen.total} calls during the rollout`);
    assert.ok(
      seen.ratio <= 0.01,
      `${seen.failed}/${seen.total} failed: ${[...traffic.tally.failures].join('; ')}`,
    );
    const report = await rollouts(control);
    assert.deepEqual(await catalogVersions(basePort, report), ['base', 'base']);
    assert.match(platform.out, /rolled back to base .* after the first bad signal: catalog-2: error ratio/);
  });

  it('rolls a version 300 ms slower back on its p99, ≤ 1 % of calls failed', async () => {
    const before = traffic.snapshot();
    const started = await http(`${control}/rollouts`, 'POST', {
      process: 'catalog',
      to: 'v-slow',
      behaviour: 'latency-ms=300',
      settings: { windowMs: 20_000, intervalMs: 1000, thresholds: { minRequests: 10 } },
    });
    assert.equal(started.status, 202, started.text);
    const record = await ended(control, (JSON.parse(started.text) as RolloutRecord).id);
    const seen = traffic.since(before);
    console.log(
      `# rollout | slow version: ${record.phase} in ${record.rollbackMs} ms after the first bad signal (${record.reason}); users: ${seen.failed}/${seen.total} failed = ${(seen.ratio * 100).toFixed(2)} %`,
    );
    assert.equal(record.phase, 'RolledBack', JSON.stringify(record, null, 2));
    assert.match(record.reason ?? '', /p99 latency: new \d+ ms vs old \d+ ms/);
    assert.ok(
      record.rollbackMs !== undefined && record.rollbackMs <= 60_000,
      `rollback took ${record.rollbackMs} ms`,
    );
    assert.ok(
      seen.ratio <= 0.01,
      `${seen.failed}/${seen.total} failed: ${[...traffic.tally.failures].join('; ')}`,
    );
    assert.deepEqual(await catalogVersions(basePort, await rollouts(control)), ['base', 'base']);
  });

  it('completes a good version: every replica runs it, the new replicas served calls, ≤ 1 % of calls failed', async () => {
    const before = traffic.snapshot();
    const started = await http(`${control}/rollouts`, 'POST', {
      process: 'catalog',
      to: 'v2',
      settings: { windowMs: 3000, intervalMs: 1000, propagationMs: 1500, thresholds: { minRequests: 10 } },
    });
    assert.equal(started.status, 202, started.text);
    const record = await ended(control, (JSON.parse(started.text) as RolloutRecord).id);
    const seen = traffic.since(before);
    console.log(
      `# rollout | good version: ${record.phase}, ${record.replaced}/${record.of} replaced; users: ${seen.failed}/${seen.total} failed = ${(seen.ratio * 100).toFixed(2)} %`,
    );
    assert.equal(record.phase, 'Completed', JSON.stringify(record, null, 2));
    assert.equal(record.replaced, 2);
    assert.ok(
      seen.ratio <= 0.01,
      `${seen.failed}/${seen.total} failed: ${[...traffic.tally.failures].join('; ')}`,
    );
    const report = await rollouts(control);
    assert.deepEqual(await catalogVersions(basePort, report), ['v2', 'v2']);
    // Traffic moved: each new replica's own counters show calls it served.
    for (const { replica } of report.replicas) {
      const admin = basePort + CATALOG_SLOT + 5 + Number(replica.split('-')[1]);
      const { text } = await http(`http://127.0.0.1:${admin}/metrics`);
      const served = [
        ...text.matchAll(
          /rebound_rpc_server_requests_total\{[^}]*ListProducts[^}]*outcome="OK"[^}]*\} (\d+)/g,
        ),
      ];
      assert.ok(served.length > 0 && Number(served[0]![1]) > 0, `${replica} served no call`);
    }
    const metrics = (await http(`${control}/metrics`)).text;
    assert.match(metrics, /rebound_rollouts_total\{service="catalog",result="completed"\} 1/);
    assert.match(metrics, /rebound_rollouts_total\{service="catalog",result="rolled_back"\} 2/);
  });

  it('a rollout cut by a supervisor restart comes back rolled back: the whole fleet on the old version, said so', async () => {
    const started = await http(`${control}/rollouts`, 'POST', {
      process: 'catalog',
      to: 'v3',
      settings: { windowMs: 120_000, intervalMs: 1000 },
    });
    assert.equal(started.status, 202, started.text);
    const id = (JSON.parse(started.text) as RolloutRecord).id;
    await waitFor(async () => (await rollouts(control)).active?.step.startsWith('analysing'), {
      description: 'the rollout analysing its first new replica',
      timeoutMs: 60_000,
    });
    // A mixed fleet now: two replicas of v2 and one of v3 in the endpoints.
    assert.deepEqual((await rollouts(control)).replicas.map((r) => r.version).sort(), ['v2', 'v2', 'v3']);
    await traffic.stop();
    assert.equal(await platform.stop(), 0, platform.out);

    platform = new Platform(basePort, dataDir);
    control = await platform.control();
    await waitFor(() => /^2\/2 ready/m.test(platform.out), {
      description: 'catalog ready again',
      timeoutMs: 60_000,
    });
    const report = await rollouts(control);
    const record = report.history.find((r) => r.id === id);
    assert.equal(report.active, null);
    assert.equal(record?.phase, 'RolledBack');
    assert.match(record?.reason ?? '', /interrupted by a supervisor restart .* every replica restarts on v2/);
    assert.match(platform.out, /rollout #\d+: interrupted by a supervisor restart/);
    assert.deepEqual(await catalogVersions(basePort, report), ['v2', 'v2']);
    assert.equal(await platform.stop(), 0, platform.out);
  });
});
