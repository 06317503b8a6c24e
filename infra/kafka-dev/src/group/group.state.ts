import type { TimerHandle } from '@rebound/resilience';

/** Group states, with the exact strings DescribeGroups reports. */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface Protocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export interface JoinResult {
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocolName: string;
  readonly leader: string;
  readonly memberId: string;
  readonly members: readonly { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncResult {
  readonly errorCode: number;
  readonly assignment: Buffer;
}

export interface Member {
  readonly memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: Protocol[];
  assignment: Buffer;
  joinReply: ((result: JoinResult) => void) | null;
  syncReply: ((result: SyncResult) => void) | null;
  sessionTimer: TimerHandle | null;
}

export interface CommittedOffset {
  readonly offset: number;
  readonly metadata: string | null;
}

/** One classic consumer group: membership, generation, chosen protocol and committed offsets. */
export class Group {
  readonly groupId: string;
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType = '';
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  readonly pending = new Map<string, TimerHandle>();
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  rebalanceTimer: TimerHandle | null = null;

  constructor(groupId: string) {
    this.groupId = groupId;
  }

  /** Protocol names every member (and `extra`, a joining member's list) supports. */
  commonProtocols(extra?: readonly Protocol[]): string[] {
    const lists = [...this.members.values()].map((m) => m.protocols.map((p) => p.name));
    if (extra) lists.push(extra.map((p) => p.name));
    const [first, ...rest] = lists;
    if (!first) return [];
    return first.filter((name) => rest.every((list) => list.includes(name)));
  }

  /** The protocol all members support, chosen by each member's first preference among them. */
  selectProtocol(): string {
    const candidates = this.commonProtocols();
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const choice = member.protocols.find((p) => candidates.includes(p.name))!.name;
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best = candidates[0]!;
    for (const name of candidates) if ((votes.get(name) ?? 0) > (votes.get(best) ?? 0)) best = name;
    return best;
  }

  metadataFor(member: Member): Buffer {
    return member.protocols.find((p) => p.name === this.protocolName)?.metadata ?? Buffer.alloc(0);
  }

  commit(topic: string, partition: number, offset: CommittedOffset): void {
    let partitions = this.offsets.get(topic);
    if (!partitions) {
      partitions = new Map();
      this.offsets.set(topic, partitions);
    }
    partitions.set(partition, offset);
  }
}
