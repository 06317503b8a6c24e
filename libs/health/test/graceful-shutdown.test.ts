import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { afterEach, describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';

interface Service {
  child: ChildProcess;
  traffic: number;
  admin: number;
  lines: string[];
  stderr: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];

async function startService(env: Record<string, string> = {}): Promise<Service> {
  const child = spawn(process.execPath, ['--conditions=development', 'test/fixtures/service.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  const ports = await waitFor(() => lines.find((line) => line.startsWith('{')), {
    timeoutMs: 10_000,
    description: 'the service to print its ports',
  });
  const { traffic, admin } = JSON.parse(ports) as { traffic: number; admin: number };
  return { child, traffic, admin, lines, stderr: () => stderr, exited };
}

/** GET that resolves with status and body, and never rejects on a closed connection (returns status 0). */
function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('graceful shutdown of a real process', () => {
  it('on SIGTERM turns readiness off, completes the in-flight request, and exits 0', async () => {
    const service = await startService();
    assert.equal((await get(service.admin, '/readyz')).status, 200);
    const slow = get(service.traffic, '/slow');
    await waitFor(() => service.lines.includes('slow request started'), { description: 'the slow request' });

    service.child.kill('SIGTERM');
    const readyz = await waitFor(
      async () => {
        const response = await get(service.admin, '/readyz?verbose');
        return response.status === 503 ? response : undefined;
      },
      { description: 'readiness to go 503' },
    );
    assert.match(readyz.body, /\[-\]draining failed: shutting down/);
    assert.equal((await get(service.admin, '/livez')).status, 200, 'liveness stays up while draining');
    assert.equal(service.child.exitCode, null, 'the process waits for the in-flight request');

    assert.equal((await get(service.admin, '/release')).status, 405, 'release is POST only');
    await new Promise<void>((resolve) => {
      const req = request(
        { host: '127.0.0.1', port: service.admin, path: '/release', method: 'POST' },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.end();
    });
    assert.deepEqual(await slow, { status: 200, body: 'done\n' });
    assert.equal(await service.exited, 0, service.stderr());
    assert.match(service.stderr(), /shutdown: SIGTERM: readiness off/);
  });

  it('exits 1 within the drain bound when in-flight work never finishes', async () => {
    const service = await startService({ DRAIN_TIMEOUT_MS: '300' });
    void get(service.traffic, '/slow');
    await waitFor(() => service.lines.includes('slow request started'), { description: 'the slow request' });
    service.child.kill('SIGTERM');
    assert.equal(await service.exited, 1);
    assert.match(service.stderr(), /drain timed out after 300 ms with 1 in flight/);
  });

  it('exits 1 at once on a second signal', async () => {
    const service = await startService();
    void get(service.traffic, '/slow');
    await waitFor(() => service.lines.includes('slow request started'), { description: 'the slow request' });
    service.child.kill('SIGTERM');
    await waitFor(() => /readiness off/.test(service.stderr()), { description: 'shutdown to start' });
    service.child.kill('SIGINT');
    assert.equal(await service.exited, 1);
    assert.match(service.stderr(), /second signal \(SIGINT\), forcing exit/);
  });
});
