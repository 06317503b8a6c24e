import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type LogConfig, PartitionLog } from '../log/partition-log.ts';
import { readJson, writeJsonAtomic } from './json-file.ts';

export { invalidConfig } from './topic-configs.ts';

/** Topic configs the broker enforces; every other Kafka topic config is validated and stored (`topic-configs.ts`). */
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
  readonly configs: Record<string, string>;
  readonly partitions: PartitionLog[];
  readonly maxMessageBytes: number;

  constructor(
    name: string,
    configs: Record<string, string>,
    partitions: PartitionLog[],
    maxMessageBytes: number,
  ) {
    this.name = name;
    this.configs = configs;
    this.partitions = partitions;
    this.maxMessageBytes = maxMessageBytes;
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
  private readonly dir: string | null;
  private readonly defaults: TopicDefaults;

  constructor(dataDir: string | null, defaults: TopicDefaults) {
    this.dir = dataDir === null ? null : join(dataDir, 'topics');
    this.defaults = defaults;
    if (!this.dir) return;
    mkdirSync(this.dir, { recursive: true });
    for (const name of readdirSync(this.dir)) {
      const stored = readJson<StoredTopic>(join(this.dir, name, 'topic.json'));
      if (stored) this.open(stored);
      else rmSync(join(this.dir, name), { recursive: true, force: true });
    }
  }

  private open(stored: StoredTopic): Topic {
    const number = (key: string, fallback: number) =>
      stored.configs[key] === undefined ? fallback : Number(stored.configs[key]);
    const config: LogConfig = {
      segmentBytes: number('segment.bytes', this.defaults.segmentBytes),
      retentionMs: number('retention.ms', this.defaults.retentionMs),
      retentionBytes: number('retention.bytes', this.defaults.retentionBytes),
    };
    const partitions = Array.from(
      { length: stored.partitions },
      (_, i) => new PartitionLog(this.dir ? join(this.dir, stored.name, String(i)) : null, config),
    );
    const topic = new Topic(
      stored.name,
      stored.configs,
      partitions,
      number('max.message.bytes', this.defaults.maxMessageBytes),
    );
    this.topics.set(stored.name, topic);
    return topic;
  }

  create(name: string, partitions: number, configs: Record<string, string>): Topic {
    const stored: StoredTopic = { name, partitions, configs };
    if (this.dir) {
      mkdirSync(join(this.dir, name), { recursive: true });
      writeJsonAtomic(join(this.dir, name, 'topic.json'), stored);
    }
    return this.open(stored);
  }

  delete(name: string): void {
    const topic = this.topics.get(name);
    if (!topic) return;
    this.topics.delete(name);
    for (const partition of topic.partitions) partition.remove();
    if (this.dir) rmSync(join(this.dir, name), { recursive: true, force: true });
  }

  close(): void {
    for (const topic of this.topics.values()) for (const partition of topic.partitions) partition.close();
  }
}
