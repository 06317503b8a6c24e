import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import { type ControlServer, type Supervisor, startControlServer } from '../src/index.ts';
import { fixture, fixtureSupervisor, stopLeftSupervisors } from './support/fixture-supervisor.ts';

const TOKEN = 'test-admin-token';

async function control(supervisor: Supervisor): Promise<{ server: ControlServer; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'rebound-control-'));
  const server = await startControlServer({
    status: () => supervisor.status(),
    stateFile: join(dir, 'supervisor.json'),
    act: (name, action) => supervisor.act(name, action),
    token: TOKEN,
  });
  return { server, dir };
}

async function post(url: string, token: string | null = TOKEN) {
  const response = await fetch(url, {
    method: 'POST',
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('control server process actions', () => {
  let opened: { server: ControlServer; dir: string } | undefined;
  afterEach(async () => {
    await stopLeftSupervisors();
    await opened?.server.close();
    if (opened) await rm(opened.dir, { recursive: true, force: true });
    opened = undefined;
  });

  it('kills a replica on request and the supervisor starts a new process', async () => {
    const { supervisor, row } = await fixtureSupervisor([fixture('api', 0, 'healthy', { replicas: 2 })]);
    opened = await control(supervisor);
    supervisor.start();
    await waitFor(() => supervisor.status().allReady, { description: 'both replicas ready' });
    const pid = row('api-1')?.pid;
    const answer = await post(`${opened.server.url}/processes/api-1/kill`);
    assert.equal(answer.status, 202);
    assert.deepEqual(answer.body, { replica: 'api-1', action: 'kill', pid });
    await waitFor(() => row('api-1')?.restarts === 1 && row('api-1')?.ready, { description: 'api-1 back' });
    assert.notEqual(row('api-1')?.pid, pid);
    assert.equal(row('api-0')?.restarts, 0);
  });

  it('freezes a replica (SIGSTOP) until its liveness probe fails and it is restarted', async () => {
    const { supervisor, row, eventsOf } = await fixtureSupervisor([
      fixture('api', 0, 'healthy', { probes: { liveness: 2 } }),
    ]);
    opened = await control(supervisor);
    supervisor.start();
    await waitFor(() => row('api-0')?.ready === true, { description: 'api-0 ready' });
    const pid = row('api-0')?.pid;
    assert.equal((await post(`${opened.server.url}/processes/api-0/freeze`)).status, 202);
    await waitFor(() => row('api-0')?.restarts === 1 && row('api-0')?.ready, {
      description: 'the frozen replica killed by liveness and back',
      timeoutMs: 20_000,
    });
    assert.notEqual(row('api-0')?.pid, pid);
    assert.ok(eventsOf('api-0').some((e) => e.type === 'killing' && e.reason === 'liveness'));
  });

  it('refuses a request without the token, an unknown action and an unknown replica', async () => {
    const { supervisor, row } = await fixtureSupervisor([fixture('api', 0, 'healthy')]);
    opened = await control(supervisor);
    supervisor.start();
    await waitFor(() => row('api-0')?.ready === true, { description: 'api-0 ready' });
    const url = opened.server.url;
    assert.equal((await post(`${url}/processes/api-0/kill`, null)).status, 401);
    assert.equal((await post(`${url}/processes/api-0/kill`, 'wrong-token')).status, 401);
    const unknownAction = await post(`${url}/processes/api-0/explode`);
    assert.equal(unknownAction.status, 400);
    assert.match(String(unknownAction.body.error), /kill, freeze, thaw, restart/);
    assert.equal((await post(`${url}/processes/nobody-0/kill`)).status, 404);
    assert.equal(row('api-0')?.restarts, 0, 'nothing was signalled');
  });
});

describe('control server routes', () => {
  let opened: { server: ControlServer; dir: string } | undefined;
  afterEach(async () => {
    await opened?.server.close();
    if (opened) await rm(opened.dir, { recursive: true, force: true });
    opened = undefined;
  });

  /** A control server whose extra routes serve POST /rollouts and POST /processes/<entry>/scale-up. */
  async function withRoutes(served: string[]) {
    const dir = await mkdtemp(join(tmpdir(), 'rebound-control-'));
    const server = await startControlServer({
      status: () => ({ uptimeMs: 0, allReady: true, urls: [], rows: [] }),
      stateFile: join(dir, 'supervisor.json'),
      act: () => ({ error: 'no replica' }),
      token: TOKEN,
      routes: (req, res, path) => {
        if (req.method !== 'POST' || !(path === '/rollouts' || path.endsWith('/scale-up'))) return false;
        served.push(path);
        req.resume();
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"served":true}');
        return true;
      },
    });
    return { server, dir };
  }

  it('refuses every POST without the token before a route sees it', async () => {
    const served: string[] = [];
    opened = await withRoutes(served);
    for (const path of ['/rollouts', '/processes/api/scale-up', '/processes/api-0/kill']) {
      assert.equal((await post(`${opened.server.url}${path}`, null)).status, 401, path);
      assert.equal((await post(`${opened.server.url}${path}`, 'wrong')).status, 401, path);
    }
    assert.deepEqual(served, [], 'no route ran for a refused request');
  });

  it('hands a POST under /processes/ to its route (scale-up) rather than refusing it as an unknown action', async () => {
    const served: string[] = [];
    opened = await withRoutes(served);
    const scale = await post(`${opened.server.url}/processes/api/scale-up`);
    assert.equal(scale.status, 202);
    assert.deepEqual(scale.body, { served: true });
    assert.equal((await post(`${opened.server.url}/rollouts`)).status, 202);
    assert.deepEqual(served, ['/processes/api/scale-up', '/rollouts']);
    const unknown = await post(`${opened.server.url}/processes/api-0/explode`);
    assert.equal(unknown.status, 400, 'an action no route serves is still checked');
    assert.equal((await post(`${opened.server.url}/elsewhere`)).status, 404);
  });
});
