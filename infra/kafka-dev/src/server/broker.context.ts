import type { WallClock } from '@rebound/resilience';
import type { GroupCoordinator } from '../group/group.coordinator.ts';
import type { PartitionLog } from '../log/partition.log.ts';
import type { Metrics } from '../metrics/broker.metrics.ts';
import type { ApiDefinition } from '../protocol/api.types.ts';
import type { ProducerIds } from '../storage/producer-ids.store.ts';
import type { Topic, TopicStore } from '../storage/topic.store.ts';

/** When produced data reaches the disk before the reply (see README, "fsync policy"). */
export type FsyncPolicy = 'acks-all' | 'always' | 'never';

/** Everything an API handler may use. */
export interface BrokerContext {
  readonly nodeId: number;
  readonly clusterId: string;
  /** The broker's own settings as Kafka names them (DescribeConfigs on the broker resource). */
  readonly brokerConfigs: Readonly<Record<string, string>>;
  /** Host and port clients are told to connect to (Metadata, FindCoordinator). */
  readonly advertised: { host: string; port: number };
  readonly topics: TopicStore;
  readonly groups: GroupCoordinator;
  readonly producerIds: ProducerIds;
  readonly clock: WallClock;
  readonly metrics: Metrics;
  readonly fsync: FsyncPolicy;
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  readonly apis: ReadonlyMap<number, ApiDefinition<BrokerContext>>;
  log(line: string): void;
  /** Creates a topic with broker defaults (Metadata auto-create). */
  createTopic(name: string, partitions: number, configs: Record<string, string>): Topic;
  deleteTopic(name: string): void;
  /** Resolves after the next produce (any partition), or after `ms`, or when the broker closes. */
  waitForData(ms: number, signal?: AbortSignal): Promise<void>;
  /** Wakes long-poll fetches after a produce. */
  notifyData(): void;
  /** fdatasync the partition, coalesced with concurrent callers. */
  sync(log: PartitionLog): Promise<void>;
}
