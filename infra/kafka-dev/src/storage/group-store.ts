import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Group, GroupState } from '../group/group.ts';
import { readJson, writeJsonAtomic } from './json-file.ts';

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
  private readonly dir: string | null;

  constructor(dataDir: string | null) {
    this.dir = dataDir === null ? null : join(dataDir, 'groups');
    if (this.dir) mkdirSync(this.dir, { recursive: true });
  }

  private path(groupId: string): string {
    return join(this.dir!, `${Buffer.from(groupId).toString('hex')}.json`);
  }

  save(group: Group): void {
    if (!this.dir) return;
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
    writeJsonAtomic(this.path(group.groupId), stored);
  }

  remove(groupId: string): void {
    if (this.dir) rmSync(this.path(groupId), { force: true });
  }

  loadAll(): StoredGroup[] {
    if (!this.dir) return [];
    return readdirSync(this.dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => readJson<StoredGroup>(join(this.dir!, name)))
      .filter((g): g is StoredGroup => g !== null);
  }
}
