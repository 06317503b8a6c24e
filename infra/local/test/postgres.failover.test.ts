// The failover controller's decisions, under a hand-moved clock and recorded effects (no processes): when it
// fails over and in which order it acts, when it refuses to, and how it names and drops the synchronous standby.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterState, InstanceStatus } from '@rebound/postgres-dev';
import type { Clock } from '@rebound/resilience';
import { PostgresFailover } from '../src/index.ts';

const instances = {
  'postgres-0': { port: 1, dataDir: '/d/postgres-0' },
  'postgres-1': { port: 2, dataDir: '/d/postgres-1' },
};

const primaryStatus = (name: string, standby: string | undefined, sync = standby): InstanceStatus => ({
  name,
  role: 'primary',
  lsn: '0/1',
  synchronousStandbyNames: sync ? `"${sync}"` : '',
  replicas: standby
    ? [{ name: standby, state: 'streaming', syncState: sync ? 'sync' : 'async', lagBytes: 0 }]
    : [],
});
const standbyStatus = (name: string): InstanceStatus => ({
  name,
  role: 'standby',
  lsn: '0/1',
  synchronousStandbyNames: '',
  replicas: [],
});

function harness(state: ClusterState) {
  let now = 0;
  const clock: Clock = { now: () => now, setTimer: () => ({ cancel: () => {} }) };
  const answers = new Map<string, InstanceStatus | undefined>();
  const actions: string[] = [];
  const failover = new PostgresFailover({
    clock,
    state,
    failoverAfterMs: 3_000,
    standbyLostAfterMs: 3_000,
    effects: {
      status: async (name) => answers.get(name),
      writeState: async (next) => {
        actions.push(`state primary=${next.primary} gen=${next.generation} sync=${next.synchronousStandby}`);
      },
      fence: (name) => actions.push(`fence ${name}`),
      promote: async (name) => {
        actions.push(`promote ${name}`);
      },
      setSynchronous: async (primary, standby) => {
        actions.push(`sync ${primary}->${standby}`);
      },
      route: (name) => actions.push(`route ${name}`),
      log: (level, line) => actions.push(`${level}: ${line}`),
    },
  });
  return {
    failover,
    answers,
    actions,
    at(ms: number) {
      now = ms;
    },
  };
}

const healthy: ClusterState = {
  primary: 'postgres-0',
  generation: 1,
  synchronousStandby: 'postgres-1',
  instances,
};

describe('PostgresFailover', () => {
  it('after a restore, follows the restored primary and generation, never the primary it knew before', async () => {
    // It knew postgres-1 as primary (generation 3); the restore made postgres-0 the primary of generation 4.
    const h = harness({ ...healthy, primary: 'postgres-1', generation: 3, synchronousStandby: 'postgres-0' });
    h.failover.adopt({ primary: 'postgres-0', generation: 4, synchronousStandby: null, instances });
    h.answers.set('postgres-0', primaryStatus('postgres-0', 'postgres-1', undefined));
    h.answers.set('postgres-1', standbyStatus('postgres-1'));
    await h.failover.tick();
    assert.deepEqual(h.actions, [
      'route postgres-0',
      'sync postgres-0->postgres-1',
      'state primary=postgres-0 gen=4 sync=postgres-1',
      'event: postgres: postgres-1 is the synchronous standby of postgres-0: every commit is on both',
    ]);
    assert.equal(h.failover.state.generation, 4);
  });

  it('names a streaming standby synchronous, and records it only after the primary waits for it', async () => {
    const h = harness({ ...healthy, synchronousStandby: null });
    h.answers.set('postgres-0', primaryStatus('postgres-0', 'postgres-1', undefined));
    h.answers.set('postgres-1', standbyStatus('postgres-1'));
    await h.failover.tick();
    assert.deepEqual(h.actions.slice(0, 2), [
      'sync postgres-0->postgres-1',
      'state primary=postgres-0 gen=1 sync=postgres-1',
    ]);
    assert.equal(h.failover.state.synchronousStandby, 'postgres-1');
  });

  it('fails over at once when the primary exits: state first, cut and fence, promote, then route', async () => {
    const h = harness(healthy);
    h.answers.set('postgres-0', primaryStatus('postgres-0', 'postgres-1'));
    h.answers.set('postgres-1', standbyStatus('postgres-1'));
    await h.failover.tick();
    h.actions.length = 0;
    h.answers.set('postgres-0', undefined);
    h.at(100);
    h.failover.exited('postgres-0');
    await h.failover.tick();
    assert.deepEqual(
      h.actions.filter((a) => !a.includes(':')),
      [
        'state primary=postgres-1 gen=2 sync=null',
        'route undefined',
        'fence postgres-0',
        'promote postgres-1',
        'route postgres-1',
      ],
    );
    assert.equal(h.failover.failovers, 1);
  });

  it('waits out the deadline for a primary that stops answering, then fails over', async () => {
    const h = harness(healthy);
    h.answers.set('postgres-0', primaryStatus('postgres-0', 'postgres-1'));
    h.answers.set('postgres-1', standbyStatus('postgres-1'));
    await h.failover.tick();
    h.answers.set('postgres-0', undefined);
    h.at(2_900);
    await h.failover.tick();
    assert.ok(!h.actions.some((a) => a.startsWith('fence')), 'no failover before the deadline');
    h.at(3_000);
    await h.failover.tick();
    assert.ok(h.actions.includes('fence postgres-0'));
    assert.equal(h.failover.state.primary, 'postgres-1');
  });

  it('does not fail over without a synchronous standby, says so once, and fences nothing', async () => {
    const h = harness({ ...healthy, synchronousStandby: null });
    h.answers.set('postgres-0', primaryStatus('postgres-0', undefined));
    h.answers.set('postgres-1', standbyStatus('postgres-1'));
    await h.failover.tick();
    h.answers.set('postgres-0', undefined);
    h.at(4_000);
    await h.failover.tick();
    h.at(4_500);
    await h.failover.tick();
    const warnings = h.actions.filter((a) => a.startsWith('warn:'));
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0] ?? '',
      /no synchronous standby holds every commit: no failover; no writes until postgres-0/,
    );
    assert.ok(!h.actions.some((a) => a.startsWith('fence') || a.startsWith('promote')));
    assert.equal(h.failover.state.primary, 'postgres-0');
  });

  it('does not promote a synchronous standby that is gone too', async () => {
    const h = harness(healthy);
    h.answers.set('postgres-0', primaryStatus('postgres-0', 'postgres-1'));
    h.answers.set('postgres-1', standbyStatus('postgres-1'));
    await h.failover.tick();
    h.answers.set('postgres-0', undefined);
    h.answers.set('postgres-1', undefined);
    h.at(5_000);
    await h.failover.tick();
    assert.ok(!h.actions.some((a) => a.startsWith('promote')));
    assert.match(h.actions.at(-1) ?? '', /its synchronous standby postgres-1 is gone too/);
  });

  it('drops a standby that stopped streaming from the state before the primary stops waiting for it', async () => {
    const h = harness(healthy);
    h.answers.set('postgres-0', primaryStatus('postgres-0', 'postgres-1'));
    h.answers.set('postgres-1', standbyStatus('postgres-1'));
    await h.failover.tick();
    h.answers.set('postgres-0', { ...primaryStatus('postgres-0', 'postgres-1'), replicas: [] });
    h.answers.set('postgres-1', undefined);
    h.at(1_000);
    await h.failover.tick();
    assert.ok(
      !h.actions.some((a) => a.startsWith('sync')),
      'within the grace period the primary keeps waiting',
    );
    h.at(4_000);
    await h.failover.tick();
    const tail = h.actions.filter((a) => !a.includes(':'));
    assert.deepEqual(tail, ['state primary=postgres-0 gen=1 sync=null', 'sync postgres-0->null']);
  });

  it('stops trusting a standby the primary is not waiting for (a primary restarted with another setting)', async () => {
    const h = harness(healthy);
    h.answers.set('postgres-0', primaryStatus('postgres-0', 'postgres-1', ''));
    h.answers.set('postgres-1', standbyStatus('postgres-1'));
    await h.failover.tick();
    assert.equal(h.failover.state.synchronousStandby, null);
  });
});
