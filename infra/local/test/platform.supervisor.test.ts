import assert from 'node:assert/strict';
import { request } from 'node:http';
import { afterEach, describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import { processGroupAlive, type ReplicaEvent, type Supervisor } from '../src/index.ts';
import { fixture, fixtureSupervisor, stopLeftSupervisors } from './support/fixture-supervisor.ts';

function post(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
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

/** Stops the supervisor and asserts that no process group it started is left. */
async function stopAll(supervisor: Supervisor): Promise<void> {
  const leftovers = await supervisor.stop();
  assert.deepEqual(leftovers, [], 'no process group may survive stop()');
}

describe('Supervisor with real processes', () => {
  afterEach(stopLeftSupervisors);

  it('restarts a process that crashes at once with growing delays, shown as CrashLoopBackOff', async () => {
    const { supervisor, row, eventsOf } = await fixtureSupervisor([
      fixture('crasher', 0, 'crash', { probes: 'none' }),
    ]);
    const states: string[] = [];
    supervisor.onEvent(({ event }) => {
      if (event.type === 'restarting') states.push(supervisor.status().rows[0]?.state ?? '');
    });
    supervisor.start();
    const delays = () =>
      eventsOf('crasher-0').flatMap((e: ReplicaEvent) => (e.type === 'restarting' ? [e.delayMs] : []));
    await waitFor(() => delays().length >= 5, { description: 'five restarts', timeoutMs: 15_000 });
    assert.deepEqual(delays().slice(0, 5), [50, 100, 200, 400, 400]);
    assert.ok(states.every((state) => state === 'CrashLoopBackOff'));
    assert.ok((row('crasher-0')?.restarts ?? 0) >= 4);
    assert.ok(eventsOf('crasher-0').some((e) => e.type === 'exited' && e.code === 3));
    await stopAll(supervisor);
    assert.equal(row('crasher-0')?.state, 'Stopped');
  });

  it('kills a process whose liveness probe keeps failing and starts it again', async () => {
    const { supervisor, row, eventsOf } = await fixtureSupervisor([
      fixture('stuck', 0, 'unhealthy', { env: { LIVE_PROBES: '2' }, probes: { liveness: 2 } }),
    ]);
    supervisor.start();
    await waitFor(
      () => (row('stuck-0')?.restarts ?? 0) >= 1 && row('stuck-0')?.state !== 'CrashLoopBackOff',
      {
        description: 'a restart after the liveness kill',
      },
    );
    const events = eventsOf('stuck-0');
    const killing = events.find((e) => e.type === 'killing');
    assert.deepEqual(killing, { type: 'killing', reason: 'liveness', signal: 'SIGTERM' });
    assert.ok(events.some((e) => e.type === 'probe-failed' && e.kind === 'liveness' && e.failures === 2));
    const pids = events.flatMap((e) => (e.type === 'spawned' ? [e.pid] : []));
    assert.ok(pids.length >= 2 && new Set(pids).size === pids.length, 'each incarnation is a new process');
    await stopAll(supervisor);
  });

  it('restarts a replica killed with SIGKILL from outside and it becomes ready again', async () => {
    const { supervisor, row } = await fixtureSupervisor([fixture('api', 0, 'healthy', { replicas: 2 })]);
    supervisor.start();
    await waitFor(() => supervisor.status().allReady, { description: 'both replicas ready' });
    const pid = row('api-1')?.pid ?? 0;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => row('api-1')?.restarts === 1 && row('api-1')?.ready, {
      description: 'api-1 back and ready',
    });
    assert.notEqual(row('api-1')?.pid, pid);
    assert.equal(row('api-0')?.restarts, 0, 'the other replica is untouched');
    await stopAll(supervisor);
  });

  it('shows readiness as the readiness probe reports it, without restarting', async () => {
    const { supervisor, row, specs } = await fixtureSupervisor([
      fixture('api', 0, 'healthy', { env: { START_UNREADY: '1' } }),
    ]);
    const adminPort = specs[0]?.replicas[0]?.adminPort ?? 0;
    supervisor.start();
    await waitFor(() => row('api-0')?.state === 'Running', { description: 'api-0 running' });
    assert.equal(row('api-0')?.ready, false);
    assert.equal(supervisor.status().allReady, false);
    assert.equal(await post(adminPort, '/ready?value=true'), 204);
    await waitFor(() => row('api-0')?.ready, { description: 'api-0 ready' });
    assert.equal(await post(adminPort, '/ready?value=false'), 204);
    await waitFor(() => row('api-0')?.ready === false, { description: 'api-0 not ready again' });
    assert.equal(row('api-0')?.restarts, 0);
    assert.equal(row('api-0')?.state, 'Running');
    await stopAll(supervisor);
  });

  it('starts dependents once a replica of each dependency is ready and stops them first', async () => {
    const { supervisor, row, specs, events } = await fixtureSupervisor([
      fixture('db', 0, 'healthy', { replicas: 2, env: { START_UNREADY: '1' } }),
      fixture('api', 1, 'healthy', { replicas: 2, dependsOn: ['db'] }),
    ]);
    const adminOf = (index: number) => specs[0]?.replicas[index]?.adminPort ?? 0;
    supervisor.start();
    await waitFor(() => row('db-0')?.state === 'Running' && row('db-1')?.state === 'Running', {
      description: 'db running',
    });
    assert.equal(row('api-0')?.state, 'Pending');
    assert.equal(row('api-0')?.detail, 'waiting for db');
    await post(adminOf(0), '/ready?value=true');
    await waitFor(() => row('api-0')?.ready && row('api-1')?.ready, { description: 'api ready' });
    assert.equal(row('db-1')?.ready, false);
    assert.equal(supervisor.status().allReady, false);
    await post(adminOf(1), '/ready?value=true');
    await waitFor(() => supervisor.status().allReady, { description: 'everything ready' });
    await stopAll(supervisor);
    const stops = events.filter((e) => e.event.type === 'stopped').map((e) => e.replica.name);
    assert.deepEqual(stops.slice(0, 2).sort(), ['api-0', 'api-1']);
    assert.deepEqual(stops.slice(2).sort(), ['db-0', 'db-1']);
  });

  it('SIGKILLs a process that ignores SIGTERM after the grace period', async () => {
    const { supervisor, row, eventsOf } = await fixtureSupervisor([fixture('stubborn', 0, 'stubborn')], {
      terminationGraceMs: 300,
    });
    supervisor.start();
    await waitFor(() => row('stubborn-0')?.ready, { description: 'stubborn ready' });
    const pid = row('stubborn-0')?.pid ?? 0;
    await stopAll(supervisor);
    assert.ok(eventsOf('stubborn-0').some((e) => e.type === 'killing' && e.signal === 'SIGKILL'));
    assert.ok(eventsOf('stubborn-0').some((e) => e.type === 'exited' && e.signal === 'SIGKILL'));
    assert.equal(pidAlive(pid), false);
  });

  it('takes down what a process left in its group, so nothing survives stop()', async () => {
    const { supervisor, row, lines } = await fixtureSupervisor([
      fixture('api', 0, 'healthy', { env: { SPAWN_GRANDCHILD: '1' } }),
    ]);
    supervisor.start();
    const grandchild = await waitFor(
      () => {
        const line = lines.find((l) => l.line.startsWith('grandchild '));
        return line ? Number(line.line.split(' ')[1]) : 0;
      },
      { description: 'the grandchild pid' },
    );
    const leader = row('api-0')?.pid ?? 0;
    assert.ok(pidAlive(grandchild));
    await stopAll(supervisor);
    assert.equal(processGroupAlive(leader), false);
    await waitFor(() => !pidAlive(grandchild), { description: 'the grandchild gone' });
  });
});
