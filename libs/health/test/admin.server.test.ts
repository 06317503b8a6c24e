import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdminServer, HealthProbes } from '../src/index.ts';

describe('AdminServer', () => {
  const probes = new HealthProbes();
  const admin = new AdminServer({ probes, port: 0, host: '127.0.0.1' });
  let base: string;

  before(async () => {
    admin.route('GET', '/metrics', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('rebound_up 1\n');
    });
    admin.route('POST', '/admin/faults', () => {
      throw new Error('no such fault');
    });
    base = `http://127.0.0.1:${await admin.listen()}`;
  });

  after(() => admin.close());

  it('answers 503 on /startupz and /readyz before start, 200 on /livez', async () => {
    assert.equal((await fetch(`${base}/startupz`)).status, 503);
    assert.equal((await fetch(`${base}/readyz`)).status, 503);
    const live = await fetch(`${base}/livez`);
    assert.equal(live.status, 200);
    assert.equal(await live.text(), 'ok\n');
  });

  it('lists each check with ?verbose', async () => {
    const remove = probes.addCheck('readiness', 'database', () => ({
      ok: false,
      detail: 'connection refused',
    }));
    probes.markStarted();
    const response = await fetch(`${base}/readyz?verbose`);
    assert.equal(response.status, 503);
    assert.equal(
      await response.text(),
      '[+]started ok\n[+]draining ok\n[-]database failed: connection refused\nreadyz check failed\n',
    );
    remove();
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(ready.headers.get('cache-control'), 'no-store');
    await ready.body?.cancel();
  });

  it('serves routes registered by other libraries', async () => {
    const response = await fetch(`${base}/metrics`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'rebound_up 1\n');
  });

  it('answers 404 for unknown paths and 405 for a wrong method', async () => {
    const missing = await fetch(`${base}/nope`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const wrong = await fetch(`${base}/metrics`, { method: 'DELETE' });
    assert.equal(wrong.status, 405);
    await wrong.body?.cancel();
  });

  it('turns a throwing route into a 500 and keeps serving', async () => {
    const failed = await fetch(`${base}/admin/faults`, { method: 'POST' });
    assert.equal(failed.status, 500);
    assert.match(await failed.text(), /no such fault/);
    assert.equal((await fetch(`${base}/livez`)).status, 200);
  });

  it('refuses to register one route twice', () => {
    assert.throws(() => admin.route('GET', '/metrics', () => {}), /already registered/);
  });
});
