import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdminServer, HealthProbes } from '@rebound/health';
import {
  DegradationFlags,
  type Logger,
  registerDegradationRoutes,
  registerMetricsRoute,
} from '@rebound/service-defaults';
import { Registry } from 'prom-client';
import { admin as call, metric, token } from './support.ts';

describe('degradation flags at /admin/degradation (a real admin server on 127.0.0.1)', () => {
  const lines: string[] = [];
  const logger = {
    warn: (_fields: unknown, line: string) => lines.push(`warn ${line}`),
    info: (_fields: unknown, line: string) => lines.push(`info ${line}`),
  } as unknown as Logger;
  const registry = new Registry();
  const probes = new HealthProbes();
  const flags = new DegradationFlags({ registry, logger, probes, stamp: () => '2026-01-01T00:00:00.000Z' });
  const hold = flags.declare('hold-things', 'stop delivering things');
  flags.declare('serve-stale', 'serve the last good copy');
  const seen: boolean[] = [];
  let release: (() => void) | undefined;
  hold.onChange(async (on) => {
    // The switch is answered only once this has run: a listener that must finish first (a consumer closing).
    if (on) await new Promise<void>((resolve) => (release = resolve));
    seen.push(on);
  });
  const server = new AdminServer({ probes, port: 0, host: '127.0.0.1' });
  registerMetricsRoute(server, registry);
  registerDegradationRoutes(server, flags, token);
  probes.markStarted();
  let url = '';
  before(async () => {
    url = `http://127.0.0.1:${await server.listen()}`;
  });
  after(() => server.close());

  it('refuses without the bearer token, and names an undeclared flag or a bad body', async () => {
    assert.equal((await call(url, 'GET', '/admin/degradation', undefined, false)).status, 401);
    assert.equal(
      (await call(url, 'POST', '/admin/degradation', { flag: 'hold-things', on: true }, false)).status,
      401,
    );
    const unknown = await call(url, 'POST', '/admin/degradation', { flag: 'reboot', on: true });
    assert.equal(unknown.status, 400);
    assert.match(
      String(unknown.json.error),
      /flag: no degradation flag 'reboot' here \(declared: hold-things, serve-stale\)/,
    );
    const bad = await call(url, 'POST', '/admin/degradation', { flag: 'hold-things', on: 'yes' });
    assert.equal(bad.status, 400);
    assert.match(String(bad.json.error), /^on: /);
    assert.equal(hold.on, false);
  });

  it('switches a flag on: the answer waits for the listener; gauge, readiness detail and one log line follow', async () => {
    assert.equal(await metric(url, 'rebound_degradation_flag{flag="hold-things"}'), 0);
    const answer = call(url, 'POST', '/admin/degradation', { flag: 'hold-things', on: true, reason: 'test' });
    let answered = false;
    void answer.then(() => {
      answered = true;
    });
    while (release === undefined) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, false, 'not answered before the listener finished');
    release();
    const { status, json } = await answer;
    assert.equal(status, 200);
    assert.deepEqual((json.flags as Record<string, unknown>)['hold-things'], {
      on: true,
      description: 'stop delivering things',
      since: '2026-01-01T00:00:00.000Z',
      reason: 'test',
    });
    assert.equal(hold.on, true);
    assert.equal(await metric(url, 'rebound_degradation_flag{flag="hold-things"}'), 1);
    assert.equal(await metric(url, 'rebound_degradation_flag{flag="serve-stale"}'), 0);
    const ready = await (await fetch(`${url}/readyz?verbose`)).text();
    assert.match(ready, /degradation.*hold-things on since 2026-01-01T00:00:00.000Z/);
    // The same switch again changes nothing: no second log line, no second listener call.
    await call(url, 'POST', '/admin/degradation', { flag: 'hold-things', on: true, reason: 'again' });
    assert.deepEqual(lines, ['warn degradation flag hold-things ON (test)']);
    assert.deepEqual(seen, [true]);
  });

  it('DELETE switches every flag off, once each', async () => {
    const { status, json } = await call(url, 'DELETE', '/admin/degradation');
    assert.equal(status, 200);
    const states = json.flags as Record<string, { on: boolean }>;
    assert.equal(states['hold-things']?.on, false);
    assert.equal(states['serve-stale']?.on, false);
    assert.deepEqual(seen, [true, false]);
    assert.equal(await metric(url, 'rebound_degradation_flag{flag="hold-things"}'), 0);
    assert.deepEqual(lines.slice(1), ['info degradation flag hold-things off (DELETE /admin/degradation)']);
  });

  it('refuses a flag declared twice or with a bad name', () => {
    assert.throws(() => flags.declare('serve-stale', 'again'), /declared twice/);
    assert.throws(() => flags.declare('Serve Stale', 'x'), /not a kebab-case name/);
  });
});
