import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import type { GroupCoordinator } from '../group/group.coordinator.ts';
import type { TopicStore } from '../storage/topic.store.ts';

const STATES = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable'] as const;

/** The broker's Prometheus metrics, in a registry of its own (several brokers may share a process in tests). */
export class Metrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'api'>;
  readonly #bytesInTotal: Counter;
  readonly #bytesOutTotal: Counter;
  readonly #records: Counter<'topic'>;
  readonly #badFrames: Counter;
  readonly connections: Gauge;

  constructor(topics: TopicStore, groups: () => GroupCoordinator) {
    const registers = [this.registry];
    this.#requests = new Counter({
      name: 'rebound_kafka_dev_requests_total',
      help: 'Requests handled, by Kafka API.',
      labelNames: ['api'],
      registers,
    });
    this.#bytesInTotal = new Counter({
      name: 'rebound_kafka_dev_bytes_in_total',
      help: 'Request bytes received.',
      registers,
    });
    this.#bytesOutTotal = new Counter({
      name: 'rebound_kafka_dev_bytes_out_total',
      help: 'Response bytes sent.',
      registers,
    });
    this.#records = new Counter({
      name: 'rebound_kafka_dev_records_in_total',
      help: 'Records appended, by topic.',
      labelNames: ['topic'],
      registers,
    });
    this.#badFrames = new Counter({
      name: 'rebound_kafka_dev_bad_requests_total',
      help: 'Connections closed for a bad frame or request.',
      registers,
    });
    this.connections = new Gauge({
      name: 'rebound_kafka_dev_connections',
      help: 'Open client connections.',
      registers,
    });
    new Gauge({
      name: 'rebound_kafka_dev_partitions',
      help: 'Partitions hosted.',
      registers,
      collect() {
        let count = 0;
        for (const topic of topics.topics.values()) count += topic.partitions.length;
        this.set(count);
      },
    });
    new Gauge({
      name: 'rebound_kafka_dev_log_end_offset',
      help: 'Next offset to be written, per partition.',
      labelNames: ['topic', 'partition'],
      registers,
      collect() {
        this.reset();
        for (const topic of topics.topics.values()) {
          for (const [i, log] of topic.partitions.entries()) {
            this.set({ topic: topic.name, partition: String(i) }, log.highWatermark);
          }
        }
      },
    });
    new Gauge({
      name: 'rebound_kafka_dev_groups',
      help: 'Consumer groups, by state.',
      labelNames: ['state'],
      registers,
      collect() {
        for (const state of STATES) this.set({ state }, 0);
        for (const group of groups().groups.values())
          if (group.state !== 'Dead') this.inc({ state: group.state });
      },
    });
    new Gauge({
      name: 'rebound_kafka_dev_consumer_lag',
      help: 'Log end offset minus committed offset, per group and partition.',
      labelNames: ['group', 'topic', 'partition'],
      registers,
      collect() {
        this.reset();
        for (const group of groups().groups.values()) {
          for (const [topicName, partitions] of group.offsets) {
            const topic = topics.topics.get(topicName);
            for (const [partition, committed] of partitions) {
              const log = topic?.partitions[partition];
              if (!log || committed.offset < 0) continue;
              this.set(
                { group: group.groupId, topic: topicName, partition: String(partition) },
                Math.max(0, log.highWatermark - committed.offset),
              );
            }
          }
        }
      },
    });
  }

  request(api: string, bytes: number): void {
    this.#requests.inc({ api });
    this.#bytesInTotal.inc(bytes);
  }
  bytesOut(bytes: number): void {
    this.#bytesOutTotal.inc(bytes);
  }
  recordsIn(topic: string, count: number): void {
    this.#records.inc({ topic }, count);
  }
  badRequest(): void {
    this.#badFrames.inc();
  }

  /** Serves `GET /metrics` on its own port. */
  serve(port: number, host: string): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (error: Error) => res.writeHead(500).end(error.message),
      );
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve(server));
    });
  }
}
