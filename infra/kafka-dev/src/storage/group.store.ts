import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Group, type GroupState, type Member } from '../group/group.state.ts';
import { readJson, writeJsonAtomic } from './json.file.ts';

interface StoredMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: { name: string; metadata: string }[];
  assignment: string;
}

/** The persisted form of a group: offsets plus the membership of its last settled generation. */
export interface StoredGroup {
  groupId: string;
  state: GroupState;
  generationId: number;
  protocolType: string;
  protocolName: string | null;
  leaderId: string | null;
  members: StoredMember[];
  offsets: [topic: string, partition: number, offset: number, metadata: string | null][];
}

/**
 * Committed offsets, generations, members and assignments, one JSON file per group (`groups/<hex>.json`),
 * so a restarted broker keeps its consumers' memberships and positions. No directory = in memory only.
 */
export class GroupStore {
  readonly #dir: string | null;

  constructor(dataDir: string | null) {
    this.#dir = dataDir === null ? null : join(dataDir, 'groups');
    if (this.#dir) mkdirSync(this.#dir, { recursive: true });
  }

  #path(groupId: string): string {
    return join(this.#dir!, `${Buffer.from(groupId).toString('hex')}.json`);
  }

  save(group: Group): void {
    if (!this.#dir) return;
    const stored: StoredGroup = {
      groupId: group.groupId,
      state: group.state,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leaderId: group.leaderId,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeoutMs,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        protocols: m.protocols.map((p) => ({ name: p.name, metadata: p.metadata.toString('base64') })),
        assignment: m.assignment.toString('base64'),
      })),
      offsets: [...group.offsets].flatMap(([topic, partitions]) =>
        [...partitions].map(([partition, o]): StoredGroup['offsets'][number] => [
          topic,
          partition,
          o.offset,
          o.metadata,
        ]),
      ),
    };
    writeJsonAtomic(this.#path(group.groupId), stored);
  }

  remove(groupId: string): void {
    if (this.#dir) rmSync(this.#path(groupId), { force: true });
  }

  /** Every stored group, settled: Stable with its members, or Empty (session timers are the caller's). */
  loadAll(): Group[] {
    if (!this.#dir) return [];
    return readdirSync(this.#dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => readJson<StoredGroup>(join(this.#dir!, name)))
      .filter((g): g is StoredGroup => g !== null)
      .map(restore);
  }
}

function restore(stored: StoredGroup): Group {
  const group = new Group(stored.groupId);
  group.generationId = stored.generationId;
  group.protocolType = stored.protocolType;
  group.protocolName = stored.protocolName;
  group.leaderId = stored.leaderId;
  for (const [topic, partition, offset, metadata] of stored.offsets)
    group.commit(topic, partition, { offset, metadata });
  for (const m of stored.members) {
    const member: Member = {
      ...m,
      protocols: m.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata, 'base64') })),
      assignment: Buffer.from(m.assignment, 'base64'),
      joinReply: null,
      syncReply: null,
      sessionTimer: null,
    };
    group.members.set(member.memberId, member);
  }
  group.state = group.members.size === 0 ? 'Empty' : 'Stable';
  return group;
}
