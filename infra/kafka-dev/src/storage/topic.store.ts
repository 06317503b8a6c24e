import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type LogConfig, PartitionLog } from '../log/partition.log.ts';
import { readJson, writeJsonAtomic } from './json.file.ts';

export { invalidConfig } from './topic-config.schema.ts';

/** Topic configs the broker enforces; every other Kafka topic config is validated and stored (`topic-config.schema.ts`). */
export interface TopicDefaults extends LogConfig {
  /** `max.message.bytes`: largest record batch accepted. */
  readonly maxMessageBytes: number;
}

/** Kafka's topic name rule. */
export function invalidTopicName(name: string): string | null {
  if (name.length === 0) return "Topic name is illegal, it can't be empty";
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > 249) return "Topic name is illegal, it can't be longer than 249 characters";
  if (!/^[a-zA-Z0-9._-]+$/.test(name))
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  return null;
}

export class Topic {
  readonly name: string;
  /** The topic's own overrides (CreateTopics, AlterConfigs); unset names take the broker defaults. */
  configs: Record<string, string>;
  readonly partitions: PartitionLog[];
  readonly #defaults: TopicDefaults;

  constructor(
    name: string,
    configs: Record<string, string>,
    partitions: PartitionLog[],
    defaults: TopicDefaults,
  ) {
    this.name = name;
    this.configs = configs;
    this.partitions = partitions;
    this.#defaults = defaults;
  }

  #number(key: string, fallback: number): number {
    const value = this.configs[key];
    return value === undefined ? fallback : Number(value);
  }

  get maxMessageBytes(): number {
    return this.#number('max.message.bytes', this.#defaults.maxMessageBytes);
  }

  get logConfig(): LogConfig {
    return {
      segmentBytes: this.#number('segment.bytes', this.#defaults.segmentBytes),
      retentionMs: this.#number('retention.ms', this.#defaults.retentionMs),
      retentionBytes: this.#number('retention.bytes', this.#defaults.retentionBytes),
    };
  }

  /** `cleanup.policy` includes `compact`: records need keys. */
  get compacted(): boolean {
    return (this.configs['cleanup.policy'] ?? 'delete').split(',').some((p) => p.trim() === 'compact');
  }
}

interface StoredTopic {
  name: string;
  partitions: number;
  configs: Record<string, string>;
}

/** Topics with their configs (`topics/<name>/topic.json`) and partition logs (`topics/<name>/<partition>/`). */
export class TopicStore {
  readonly topics = new Map<string, Topic>();
  readonly defaults: TopicDefaults;
  readonly #dir: string | null;

  constructor(dataDir: string | null, defaults: TopicDefaults) {
    this.#dir = dataDir === null ? null : join(dataDir, 'topics');
    this.defaults = defaults;
    if (!this.#dir) return;
    mkdirSync(this.#dir, { recursive: true });
    for (const name of readdirSync(this.#dir)) {
      const stored = readJson<StoredTopic>(join(this.#dir, name, 'topic.json'));
      if (stored) this.#open(stored);
      else rmSync(join(this.#dir, name), { recursive: true, force: true });
    }
  }

  #partitionLog(topic: Topic, index: number): PartitionLog {
    return new PartitionLog(this.#dir ? join(this.#dir, topic.name, String(index)) : null, topic.logConfig);
  }

  #open(stored: StoredTopic): Topic {
    const topic = new Topic(stored.name, stored.configs, [], this.defaults);
    for (let i = 0; i < stored.partitions; i++) topic.partitions.push(this.#partitionLog(topic, i));
    this.topics.set(stored.name, topic);
    return topic;
  }

  #save(topic: Topic): void {
    if (!this.#dir) return;
    const stored: StoredTopic = {
      name: topic.name,
      partitions: topic.partitions.length,
      configs: topic.configs,
    };
    writeJsonAtomic(join(this.#dir, topic.name, 'topic.json'), stored);
  }

  create(name: string, partitions: number, configs: Record<string, string>): Topic {
    const stored: StoredTopic = { name, partitions, configs };
    if (this.#dir) {
      mkdirSync(join(this.#dir, name), { recursive: true });
      writeJsonAtomic(join(this.#dir, name, 'topic.json'), stored);
    }
    return this.#open(stored);
  }

  /** AlterConfigs: the topic's overrides become exactly `configs` (validated by the caller). */
  alterConfigs(topic: Topic, configs: Record<string, string>): void {
    topic.configs = configs;
    for (const partition of topic.partitions) partition.config = topic.logConfig;
    this.#save(topic);
  }

  /** CreatePartitions: grows the topic to `count` partitions (validated by the caller). */
  addPartitions(topic: Topic, count: number): void {
    while (topic.partitions.length < count)
      topic.partitions.push(this.#partitionLog(topic, topic.partitions.length));
    this.#save(topic);
  }

  delete(name: string): void {
    const topic = this.topics.get(name);
    if (!topic) return;
    this.topics.delete(name);
    for (const partition of topic.partitions) partition.remove();
    if (this.#dir) rmSync(join(this.#dir, name), { recursive: true, force: true });
  }

  close(): void {
    for (const topic of this.topics.values()) for (const partition of topic.partitions) partition.close();
  }
}
