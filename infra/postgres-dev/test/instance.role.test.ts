import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ClusterState, decideRole, parseClusterState } from '../src/index.ts';

const state: ClusterState = {
  primary: 'postgres-1',
  generation: 2,
  synchronousStandby: null,
  instances: {
    'postgres-0': { port: 7471, dataDir: '/d/postgres-0' },
    'postgres-1': { port: 7472, dataDir: '/d/postgres-1' },
  },
};
const none = { hasData: false, isStandby: false };

describe('decideRole', () => {
  it('bootstraps the named primary once, never after the cluster was bootstrapped', () => {
    assert.deepEqual(decideRole('postgres-1', state, none, false), {
      kind: 'primary',
      bootstrap: true,
      promote: false,
    });
    const refused = decideRole('postgres-1', state, none, true);
    assert.equal(refused.kind, 'refuse');
    assert.match(refused.kind === 'refuse' ? refused.reason : '', /restore it from a backup/);
  });

  it('runs the named primary on its data, promoting a standby copy that was chosen while down', () => {
    assert.deepEqual(decideRole('postgres-1', state, { hasData: true, isStandby: true }, true), {
      kind: 'primary',
      bootstrap: false,
      promote: true,
    });
  });

  it('rebuilds a fenced old primary from a fresh base backup: it never runs as a primary again', () => {
    const role = decideRole('postgres-0', state, { hasData: true, isStandby: false }, true);
    assert.deepEqual(role, {
      kind: 'standby',
      rebuild: true,
      primary: 'postgres-1',
      address: { port: 7472, dataDir: '/d/postgres-1' },
    });
  });

  it('keeps a standby copy of this generation and primary, rebuilds one of an older generation', () => {
    const current = { hasData: true, isStandby: true, copiedFrom: { primary: 'postgres-1', generation: 2 } };
    assert.equal(decideRole('postgres-0', state, current, true).kind, 'standby');
    assert.equal((decideRole('postgres-0', state, current, true) as { rebuild: boolean }).rebuild, false);
    const old = { ...current, copiedFrom: { primary: 'postgres-0', generation: 1 } };
    assert.equal((decideRole('postgres-0', state, old, true) as { rebuild: boolean }).rebuild, true);
  });

  it('reads a cluster state strictly', () => {
    assert.deepEqual(parseClusterState(JSON.stringify(state), 'x'), state);
    assert.throws(() => parseClusterState('{', 'cluster.json'), /cluster.json is not JSON/);
    assert.throws(
      () => parseClusterState(JSON.stringify({ ...state, primary: 'postgres-9' }), 'cluster.json'),
      /not a cluster state/,
    );
  });
});
