import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@rebound/resilience/testing';
import { GroupCoordinator, type JoinRequest } from '../../src/group/group.coordinator.ts';
import { ErrorCode } from '../../src/protocol/error-code.enum.ts';
import { GroupStore } from '../../src/storage/group.store.ts';

function setup() {
  const clock = new FakeClock(1_700_000_000_000);
  const lines: string[] = [];
  const coordinator = new GroupCoordinator({
    clock,
    store: new GroupStore(null),
    minSessionTimeoutMs: 6000,
    maxSessionTimeoutMs: 1_800_000,
    initialRebalanceDelayMs: 0,
    log: (line) => lines.push(line),
  });
  return { clock, coordinator, lines };
}

const join = (memberId: string, overrides: Partial<JoinRequest> = {}): JoinRequest => ({
  groupId: 'g',
  memberId,
  groupInstanceId: null,
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 30_000,
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: Buffer.from('m') }],
  clientId: 'c',
  clientHost: '/127.0.0.1',
  requireKnownMemberId: true,
  ...overrides,
});

/** Joins a new member the v4+ way: MEMBER_ID_REQUIRED first, then the real join. */
async function newMember(coordinator: GroupCoordinator, overrides: Partial<JoinRequest> = {}) {
  const first = await coordinator.join(join('', overrides));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.match(first.memberId, /^c-[0-9a-f-]{36}$/);
  return { memberId: first.memberId, joined: coordinator.join(join(first.memberId, overrides)) };
}

describe('GroupCoordinator', () => {
  it('rejects session timeouts outside [6000, 1800000] and an empty group id', async () => {
    const { coordinator } = setup();
    assert.equal(
      (await coordinator.join(join('', { sessionTimeoutMs: 5999 }))).errorCode,
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
    assert.equal(
      (await coordinator.join(join('', { sessionTimeoutMs: 1_800_001 }))).errorCode,
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
    assert.equal((await coordinator.join(join('', { groupId: '' }))).errorCode, ErrorCode.INVALID_GROUP_ID);
    assert.equal((await coordinator.join(join('nobody'))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('forms a generation, hands the leader the members and everyone the leader assignment', async () => {
    const { coordinator } = setup();
    const a = await newMember(coordinator);
    const joinedA = await a.joined;
    assert.equal(joinedA.errorCode, 0);
    assert.equal(joinedA.generationId, 1);
    assert.equal(joinedA.leader, a.memberId);
    assert.equal(coordinator.groups.get('g')?.state, 'CompletingRebalance');
    const synced = await coordinator.sync('g', 1, a.memberId, new Map([[a.memberId, Buffer.from('p0')]]));
    assert.deepEqual(synced, { errorCode: 0, assignment: Buffer.from('p0') });
    assert.equal(coordinator.groups.get('g')?.state, 'Stable');

    const b = await newMember(coordinator);
    assert.equal(coordinator.groups.get('g')?.state, 'PreparingRebalance');
    assert.equal(coordinator.heartbeat('g', 1, a.memberId), ErrorCode.REBALANCE_IN_PROGRESS);
    // commits are accepted while preparing the rebalance (kafkajs commits, then rejoins)
    assert.equal(coordinator.commitCheck('g', 1, a.memberId), 0);
    const rejoinA = coordinator.join(join(a.memberId));
    const [ra, rb] = await Promise.all([rejoinA, b.joined]);
    assert.equal(ra.generationId, 2);
    assert.equal(rb.generationId, 2);
    assert.equal(ra.members.length, 2);
    assert.equal(rb.members.length, 0);
    assert.equal(coordinator.commitCheck('g', 2, a.memberId), ErrorCode.REBALANCE_IN_PROGRESS);
    const followerSync = coordinator.sync('g', 2, b.memberId, new Map());
    const leaderSync = coordinator.sync(
      'g',
      2,
      a.memberId,
      new Map([
        [a.memberId, Buffer.from('A')],
        [b.memberId, Buffer.from('B')],
      ]),
    );
    assert.equal((await followerSync).assignment.toString(), 'B');
    assert.equal((await leaderSync).assignment.toString(), 'A');
    assert.equal(
      (await coordinator.sync('g', 1, a.memberId, new Map())).errorCode,
      ErrorCode.ILLEGAL_GENERATION,
    );
  });

  it('evicts a member whose session expires and rebalances the rest', async () => {
    const { coordinator, clock, lines } = setup();
    const a = await newMember(coordinator);
    await a.joined;
    await coordinator.sync('g', 1, a.memberId, new Map());
    const b = await newMember(coordinator);
    const ra = coordinator.join(join(a.memberId));
    await Promise.all([ra, b.joined]);
    await Promise.all([
      coordinator.sync('g', 2, a.memberId, new Map()),
      coordinator.sync('g', 2, b.memberId, new Map()),
    ]);
    clock.advance(9_000);
    assert.equal(coordinator.heartbeat('g', 2, a.memberId), 0);
    clock.advance(1_500);
    // b never heartbeated: 10 s session expired
    assert.equal(coordinator.groups.get('g')?.members.has(b.memberId), false);
    assert.ok(lines.some((l) => l.includes('session expired')));
    assert.equal(coordinator.heartbeat('g', 2, a.memberId), ErrorCode.REBALANCE_IN_PROGRESS);
    const again = await coordinator.join(join(a.memberId));
    assert.equal(again.generationId, 3);
    assert.equal(again.members.length, 1);
  });

  it('completes a join at the rebalance timeout without the members that did not rejoin', async () => {
    const { coordinator, clock } = setup();
    const a = await newMember(coordinator);
    await a.joined;
    await coordinator.sync('g', 1, a.memberId, new Map());
    const b = await newMember(coordinator, { rebalanceTimeoutMs: 20_000 });
    let settled = false;
    b.joined.then(() => {
      settled = true;
    });
    for (let i = 0; i < 3; i++) {
      clock.advance(9_000);
      // a keeps its session alive but never rejoins
      assert.equal(coordinator.heartbeat('g', 1, a.memberId), ErrorCode.REBALANCE_IN_PROGRESS);
    }
    await Promise.resolve();
    assert.equal(settled, false);
    clock.advance(3_001);
    const rb = await b.joined;
    assert.equal(rb.generationId, 2);
    assert.equal(rb.leader, b.memberId);
    assert.deepEqual(
      rb.members.map((m) => m.memberId),
      [b.memberId],
    );
  });

  it('drops a pending MEMBER_ID_REQUIRED id that never comes back', async () => {
    const { coordinator, clock } = setup();
    const first = await coordinator.join(join(''));
    clock.advance(10_001);
    assert.equal((await coordinator.join(join(first.memberId))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('refuses an incompatible protocol and a simple commit on a group with members', async () => {
    const { coordinator } = setup();
    const a = await newMember(coordinator);
    await a.joined;
    const other = await coordinator.join(
      join('', { protocols: [{ name: 'custom', metadata: Buffer.alloc(0) }] }),
    );
    assert.equal(other.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal(coordinator.commitCheck('g', -1, ''), ErrorCode.REBALANCE_IN_PROGRESS);
    assert.equal(coordinator.commitCheck('empty-group', -1, ''), 0);
  });

  it('elects the protocol by member votes among the common ones', async () => {
    const { coordinator } = setup();
    const both = [
      { name: 'range', metadata: Buffer.from('r') },
      { name: 'roundrobin', metadata: Buffer.from('rr') },
    ];
    // all three get their ids first, so the join waits for every pending member
    const ids = await Promise.all([0, 1, 2].map(() => coordinator.join(join(''))));
    const lists = [[both[1]!, both[0]!], both, [both[1]!]];
    const [ra] = await Promise.all(
      ids.map((r, i) => coordinator.join(join(r.memberId, { protocols: lists[i]! }))),
    );
    assert.equal(ra?.protocolName, 'roundrobin');
  });

  it('leaves: the group goes Empty with a bumped generation when the last member leaves', async () => {
    const { coordinator } = setup();
    const a = await newMember(coordinator);
    await a.joined;
    await coordinator.sync('g', 1, a.memberId, new Map());
    assert.deepEqual(coordinator.leave('g', [a.memberId, 'ghost']).members, [0, ErrorCode.UNKNOWN_MEMBER_ID]);
    assert.equal(coordinator.groups.get('g')?.state, 'Empty');
    assert.equal(coordinator.groups.get('g')?.generationId, 2);
    assert.equal(coordinator.deleteGroup('g'), 0);
    assert.equal(coordinator.deleteGroup('g'), ErrorCode.GROUP_ID_NOT_FOUND);
  });
});
