import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { adminRequest, freePort, type ServiceProcess, startServiceProcess } from '@rebound/testing';

const script = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('__NAME__ (the built service over real HTTP)', () => {
  let service: ServiceProcess;
  let httpPort: number;

  before(async () => {
    httpPort = await freePort();
    service = await startServiceProcess({
      script,
      env: { SERVICE_NAME: '__NAME__', SERVICE_INSTANCE: '__NAME__-0', HTTP_PORT: String(httpPort) },
    });
  });

  after(async () => {
    if (service) assert.equal(await service.stop(), 0, 'SIGTERM drains and exits 0');
  });

  it('answers its route on the HTTP port', async () => {
    const response = await fetch(`http://127.0.0.1:${httpPort}/api/__NAME__/hello`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { service: '__NAME__', instance: '__NAME__-0' });
  });

  it('is ready on the admin port and serves its metrics there', async () => {
    assert.equal((await adminRequest(service.adminUrl, 'GET', '/readyz')).status, 200);
    const metrics = await (await fetch(`${service.adminUrl}/metrics`)).text();
    assert.match(metrics, /^process_cpu_user_seconds_total/m);
  });

  it('refuses a bad setting with one line and exit code 78', async () => {
    const child = spawn(process.execPath, [script], {
      env: { PATH: process.env.PATH ?? '', HTTP_PORT: 'not-a-port' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = await once(child, 'exit');
    assert.equal(code, 78);
    assert.match(stderr.trim(), /^__NAME__: invalid configuration: HTTP_PORT: .*\(got "not-a-port"\)$/);
  });
});
