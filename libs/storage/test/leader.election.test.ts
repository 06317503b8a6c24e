import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '@rebound/resilience/testing';
import { type PostgresServer, skipUnlessPostgres, startPostgres, waitFor } from '@rebound/testing';
import {
  type Database,
  electLeader,
  FencingTokenError,
  isFencingTokenError,
  type LeaderState,
  openPostgres,
  withFencing,
} from '../src/index.ts';

/** A database whose queries can be made to fail, to cut a leader off from the table. */
function breakable(db: Database): { db: Database; broken: { value: boolean } } {
  const broken = { value: false };
  const wrapped: Database = Object.create(db);
  wrapped.query = (sql, params) => {
    if (broken.value) return Promise.reject(new Error('connection lost'));
    return db.query(sql, params);
  };
  return { db: wrapped, broken };
}

describe('electLeader with an injected clock', () => {
  let server: PostgresServer;
  let db: Database;
  before(async () => {
    server = await startPostgres();
    db = await openPostgres({ url: server.url, schema: 'leases' });
  });
  after(async () => {
    await db?.close();
    await server?.stop();
  });

  it('makes a lone contender leader at once, and a new term gets a higher fencing token', async () => {
    const clock = new FakeClock();
    const first = await electLeader(db, { name: 'solo', leaseMs: 30_000, clock });
    assert.equal(first.isLeader, true);
    const token = first.fencingToken;
    assert.equal(typeof token, 'number');
    await first.close();
    assert.equal(first.isLeader, false);
    const second = await electLeader(db, { name: 'solo', leaseMs: 30_000, clock });
    assert.equal(second.fencingToken, token! + 1);
    await second.close();
  });

  it('keeps leading across renewals under one token', async () => {
    const clock = new FakeClock();
    const election = await electLeader(db, { name: 'renews', leaseMs: 30_000, intervalMs: 10_000, clock });
    const token = election.fencingToken;
    await clock.tickAwaiting(100_000);
    assert.equal(election.isLeader, true);
    assert.equal(election.fencingToken, token);
    await election.close();
  });

  it('steps down once the lease runs out while renewals fail, and re-acquires with a new token', async () => {
    const clock = new FakeClock();
    const { db: flaky, broken } = breakable(db);
    const changes: LeaderState[] = [];
    const errors: unknown[] = [];
    const election = await electLeader(flaky, {
      name: 'cut-off',
      leaseMs: 30_000,
      intervalMs: 10_000,
      clock,
      onError: (error) => errors.push(error),
    });
    election.onChange((state) => changes.push(state));
    const token = election.fencingToken!;
    broken.value = true;
    await clock.tickAwaiting(29_999);
    assert.equal(election.isLeader, true, 'still inside the lease');
    assert.ok(errors.length >= 2);
    await clock.tickAwaiting(1);
    assert.equal(election.isLeader, false);
    assert.deepEqual(changes, [{ isLeader: false, fencingToken: undefined }]);
    await assert.rejects(
      withFencing(db, { name: 'cut-off', fencingToken: election.fencingToken }, async () => {}),
      FencingTokenError,
    );
    // The table still names it holder until the database's own expiry; expire it there, then reconnect.
    await db.query("UPDATE leader_leases SET expires_at = now() WHERE name = 'cut-off'");
    broken.value = false;
    await clock.tickAwaiting(10_000);
    assert.equal(election.isLeader, true);
    assert.equal(election.fencingToken, token + 1);
    await election.close();
  });

  it('rejects a lease interval that does not fit in the lease', async () => {
    await assert.rejects(electLeader(db, { name: 'bad', leaseMs: 1000, intervalMs: 1000 }), RangeError);
  });
});

describe('electLeader on PostgreSQL', { skip: skipUnlessPostgres() }, () => {
  let server: PostgresServer;
  let a: Database;
  let b: Database;
  before(async () => {
    server = await startPostgres();
    a = await openPostgres({ url: server.url, schema: 'orders' });
    b = await openPostgres({ url: server.url, schema: 'orders' });
    await a.exec(
      'CREATE TABLE IF NOT EXISTS sagas (id text PRIMARY KEY, step text NOT NULL, by_token bigint)',
    );
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await server?.stop();
  });

  const write = (db: Database, lease: { name: string; fencingToken: number | undefined }, step: string) =>
    withFencing(db, lease, (tx) =>
      tx.query(
        `INSERT INTO sagas (id, step, by_token) VALUES ('s-1', $1, $2)
         ON CONFLICT (id) DO UPDATE SET step = excluded.step, by_token = excluded.by_token`,
        [step, lease.fencingToken],
      ),
    );

  it('elects exactly one of two contenders; closing it hands over; the old token is refused', async () => {
    const [one, two] = await Promise.all([
      electLeader(a, { name: 'recovery', leaseMs: 1500 }),
      electLeader(b, { name: 'recovery', leaseMs: 1500 }),
    ]);
    try {
      assert.equal([one, two].filter((e) => e.isLeader).length, 1);
      const leader = one.isLeader ? one : two;
      const follower = one.isLeader ? two : one;
      const stale = { name: 'recovery', fencingToken: leader.fencingToken };
      await write(a, stale, 'reserved');
      const tookOver = new Promise<LeaderState>((resolve) => follower.onChange(resolve));
      await leader.close();
      const state = await tookOver;
      assert.equal(state.isLeader, true);
      assert.ok(state.fencingToken! > stale.fencingToken!);
      await write(b, { name: 'recovery', fencingToken: state.fencingToken }, 'charged');
      const late = await write(a, stale, 'late-write').catch((error: unknown) => error);
      assert.ok(isFencingTokenError(late), `expected a FencingTokenError, got ${String(late)}`);
      const { rows } = await a.query<{ step: string; by_token: number }>('SELECT step, by_token FROM sagas');
      assert.deepEqual(rows, [{ step: 'charged', by_token: state.fencingToken }]);
      assert.equal(follower.isLeader, true);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('replaces a leader killed with SIGKILL within about one lease', async () => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=development',
        new URL('./fixtures/leader-child.ts', import.meta.url).pathname,
        server.url,
        'killed',
        '1500',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      const first = JSON.parse(line.toString()) as { isLeader: boolean; token: number };
      assert.equal(first.isLeader, true);
      const contender = await electLeader(b, { name: 'killed', leaseMs: 1500 });
      try {
        assert.equal(contender.isLeader, false, 'the child holds a live lease');
        child.kill('SIGKILL');
        await once(child, 'exit');
        await waitFor(() => contender.isLeader, { timeoutMs: 15_000, description: 'takeover' });
        assert.equal(contender.fencingToken, first.token + 1);
        await assert.rejects(write(a, { name: 'killed', fencingToken: first.token }, 'x'), FencingTokenError);
      } finally {
        await contender.close();
      }
    } finally {
      child.kill('SIGKILL');
    }
  });
});
