import { randomUUID } from 'node:crypto';
import type { WallClock } from '@rebound/resilience';
import { ErrorCode } from '../protocol/error-code.enum.ts';
import type { GroupStore } from '../storage/group.store.ts';
import {
  type CommittedOffset,
  Group,
  type JoinResult,
  type Member,
  type Protocol,
  type SyncResult,
} from './group.state.ts';

export interface CoordinatorOptions {
  readonly clock: WallClock;
  readonly store: GroupStore;
  /** Kafka's `group.min.session.timeout.ms` / `group.max.session.timeout.ms`. */
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  /** `group.initial.rebalance.delay.ms`: wait this long for more members when an empty group starts. */
  readonly initialRebalanceDelayMs: number;
  readonly log: (line: string) => void;
}

export interface JoinRequest {
  readonly groupId: string;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly Protocol[];
  readonly clientId: string;
  readonly clientHost: string;
  /** JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED with its id. */
  readonly requireKnownMemberId: boolean;
}

const EMPTY = Buffer.alloc(0);

function joinError(errorCode: number, memberId = ''): JoinResult {
  return { errorCode, generationId: -1, protocolName: '', leader: '', memberId, members: [] };
}

/**
 * The classic group coordinator: generations, MEMBER_ID_REQUIRED, rebalance and session timers (on the
 * injected clock), leader-driven assignment, offsets accepted while preparing a rebalance.
 */
export class GroupCoordinator {
  readonly groups = new Map<string, Group>();
  readonly #options: CoordinatorOptions;

  constructor(options: CoordinatorOptions) {
    this.#options = options;
    for (const group of options.store.loadAll()) {
      this.groups.set(group.groupId, group);
      for (const member of group.members.values()) this.#touch(group, member);
    }
  }

  #group(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new Group(groupId);
      this.groups.set(groupId, group);
    }
    return group;
  }

  join(request: JoinRequest): Promise<JoinResult> {
    const { groupId, sessionTimeoutMs } = request;
    if (groupId === '') return Promise.resolve(joinError(ErrorCode.INVALID_GROUP_ID));
    if (
      sessionTimeoutMs < this.#options.minSessionTimeoutMs ||
      sessionTimeoutMs > this.#options.maxSessionTimeoutMs
    ) {
      return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, request.memberId));
    }
    const group = this.#group(groupId);
    const compatible =
      request.protocols.length > 0 &&
      request.protocolType !== '' &&
      (group.members.size === 0 ||
        (group.protocolType === request.protocolType && group.commonProtocols(request.protocols).length > 0));
    if (!compatible)
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, request.memberId));

    let memberId = request.memberId;
    if (memberId === '') {
      memberId = `${request.clientId}-${randomUUID()}`;
      if (request.requireKnownMemberId) {
        const timer = this.#options.clock.setTimer(() => {
          group.pending.delete(memberId);
          if (group.state === 'PreparingRebalance') this.#tryCompleteJoin(group);
        }, sessionTimeoutMs);
        group.pending.set(memberId, timer);
        return Promise.resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
      }
    } else if (group.pending.has(memberId)) {
      group.pending.get(memberId)!.cancel();
      group.pending.delete(memberId);
    } else if (!group.members.has(memberId)) {
      return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
    }

    const existing = group.members.get(memberId);
    if (
      existing &&
      (group.state === 'Stable' || group.state === 'CompletingRebalance') &&
      existing.memberId !== group.leaderId
    ) {
      const unchanged =
        existing.protocols.length === request.protocols.length &&
        existing.protocols.every(
          (p, i) =>
            p.name === request.protocols[i]!.name && p.metadata.equals(request.protocols[i]!.metadata),
        );
      if (unchanged) {
        this.#touch(group, existing);
        return Promise.resolve({
          errorCode: ErrorCode.NONE,
          generationId: group.generationId,
          protocolName: group.protocolName ?? '',
          leader: group.leaderId ?? '',
          memberId,
          members: [],
        });
      }
    }

    return new Promise<JoinResult>((resolve) => {
      const member: Member = existing ?? {
        memberId,
        groupInstanceId: request.groupInstanceId,
        clientId: request.clientId,
        clientHost: request.clientHost,
        sessionTimeoutMs,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs,
        protocols: [],
        assignment: EMPTY,
        joinReply: null,
        syncReply: null,
        sessionTimer: null,
      };
      member.protocols = [...request.protocols];
      member.sessionTimeoutMs = sessionTimeoutMs;
      member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
      member.joinReply?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, memberId));
      member.joinReply = resolve;
      member.sessionTimer?.cancel();
      member.sessionTimer = null;
      if (group.members.size === 0) group.protocolType = request.protocolType;
      group.members.set(memberId, member);
      if (group.state !== 'PreparingRebalance') this.#prepareRebalance(group);
      else this.#tryCompleteJoin(group);
    });
  }

  #prepareRebalance(group: Group): void {
    const wasEmpty = group.state === 'Empty';
    if (group.state === 'CompletingRebalance') {
      for (const member of group.members.values()) {
        member.syncReply?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
        member.syncReply = null;
      }
    }
    group.state = 'PreparingRebalance';
    group.rebalanceTimer?.cancel();
    const timeout = Math.max(0, ...[...group.members.values()].map((m) => m.rebalanceTimeoutMs));
    const delay = wasEmpty ? Math.min(this.#options.initialRebalanceDelayMs, timeout) : timeout;
    group.rebalanceTimer = this.#options.clock.setTimer(() => this.#completeJoin(group), delay);
    if (!wasEmpty || this.#options.initialRebalanceDelayMs === 0) this.#tryCompleteJoin(group);
  }

  #tryCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance' || group.pending.size > 0) return;
    for (const member of group.members.values()) if (!member.joinReply) return;
    this.#completeJoin(group);
  }

  #completeJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    group.rebalanceTimer?.cancel();
    group.rebalanceTimer = null;
    for (const member of [...group.members.values()]) {
      if (!member.joinReply) {
        this.#options.log(
          `group ${group.groupId}: member ${member.memberId} did not rejoin in time, removed`,
        );
        this.#dropMember(group, member);
      }
    }
    group.generationId++;
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.protocolName = null;
      group.leaderId = null;
      this.#options.store.save(group);
      return;
    }
    group.protocolName = group.selectProtocol();
    if (!group.leaderId || !group.members.has(group.leaderId))
      group.leaderId = group.members.keys().next().value!;
    group.state = 'CompletingRebalance';
    const all = [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: group.metadataFor(m),
    }));
    for (const member of group.members.values()) {
      const reply = member.joinReply!;
      member.joinReply = null;
      member.assignment = EMPTY;
      this.#touch(group, member);
      reply({
        errorCode: ErrorCode.NONE,
        generationId: group.generationId,
        protocolName: group.protocolName,
        leader: group.leaderId,
        memberId: member.memberId,
        members: member.memberId === group.leaderId ? all : [],
      });
    }
  }

  /** Restarts a member's session timer; expiry removes it and rebalances. */
  #touch(group: Group, member: Member): void {
    member.sessionTimer?.cancel();
    member.sessionTimer = this.#options.clock.setTimer(() => {
      if (group.members.get(member.memberId) !== member) return;
      this.#options.log(`group ${group.groupId}: member ${member.memberId} session expired, removed`);
      this.#removeMembers(group, [member]);
    }, member.sessionTimeoutMs);
  }

  #dropMember(group: Group, member: Member): void {
    member.sessionTimer?.cancel();
    member.joinReply?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.syncReply?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    group.members.delete(member.memberId);
  }

  #removeMembers(group: Group, members: readonly Member[]): void {
    for (const member of members) this.#dropMember(group, member);
    if (group.state === 'PreparingRebalance') this.#tryCompleteJoin(group);
    else if (group.state === 'Stable' || group.state === 'CompletingRebalance') this.#prepareRebalance(group);
    else this.#options.store.save(group);
  }

  sync(
    groupId: string,
    generationId: number,
    memberId: string,
    assignments: Map<string, Buffer>,
  ): Promise<SyncResult> {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member)
      return Promise.resolve({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    if (generationId !== group.generationId)
      return Promise.resolve({ errorCode: ErrorCode.ILLEGAL_GENERATION, assignment: EMPTY });
    if (group.state === 'PreparingRebalance')
      return Promise.resolve({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
    this.#touch(group, member);
    if (group.state === 'Stable')
      return Promise.resolve({ errorCode: ErrorCode.NONE, assignment: member.assignment });
    return new Promise((resolve) => {
      member.syncReply?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
      member.syncReply = resolve;
      if (memberId !== group.leaderId) return;
      for (const m of group.members.values()) m.assignment = assignments.get(m.memberId) ?? EMPTY;
      group.state = 'Stable';
      this.#options.store.save(group);
      for (const m of group.members.values()) {
        m.syncReply?.({ errorCode: ErrorCode.NONE, assignment: m.assignment });
        m.syncReply = null;
      }
    });
  }

  heartbeat(groupId: string, generationId: number, memberId: string): number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (!member.joinReply) this.#touch(group, member);
    return group.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  /** LeaveGroup: one error per member id; the rest of the group rebalances. */
  leave(groupId: string, memberIds: readonly string[]): { errorCode: number; members: number[] } {
    const group = this.groups.get(groupId);
    if (!group)
      return {
        errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
        members: memberIds.map(() => ErrorCode.UNKNOWN_MEMBER_ID),
      };
    const found: Member[] = [];
    const errors = memberIds.map((id) => {
      const member = group.members.get(id);
      if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
      found.push(member);
      return ErrorCode.NONE;
    });
    if (found.length > 0) this.#removeMembers(group, found);
    return { errorCode: errors.length === 1 ? errors[0]! : ErrorCode.NONE, members: errors };
  }

  /** OffsetCommit checks, in Kafka's order; accepted while PreparingRebalance and Stable. */
  commitCheck(groupId: string, generationId: number, memberId: string): number {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const group = this.#group(groupId);
    if (generationId < 0 && group.state === 'Empty') return ErrorCode.NONE;
    if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    if (!group.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    return ErrorCode.NONE;
  }

  commit(
    groupId: string,
    offsets: readonly { topic: string; partition: number; offset: CommittedOffset }[],
  ): void {
    const group = this.#group(groupId);
    for (const { topic, partition, offset } of offsets) group.commit(topic, partition, offset);
    this.#options.store.save(group);
  }

  committed(groupId: string): Map<string, Map<number, CommittedOffset>> {
    return this.groups.get(groupId)?.offsets ?? new Map();
  }

  deleteGroup(groupId: string): number {
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group.members.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    group.state = 'Dead';
    this.groups.delete(groupId);
    this.#options.store.remove(groupId);
    return ErrorCode.NONE;
  }

  /** Forgets offsets of a deleted topic. */
  forgetTopic(topic: string): void {
    for (const group of this.groups.values())
      if (group.offsets.delete(topic)) this.#options.store.save(group);
  }

  close(): void {
    for (const group of this.groups.values()) {
      group.rebalanceTimer?.cancel();
      for (const timer of group.pending.values()) timer.cancel();
      for (const member of group.members.values()) member.sessionTimer?.cancel();
    }
  }
}
