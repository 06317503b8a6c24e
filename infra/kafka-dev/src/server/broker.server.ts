import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { type WallClock, wallClock } from '@rebound/resilience';
import { API_LIST } from '../apis/index.ts';
import { GroupCoordinator } from '../group/group.coordinator.ts';
import { Metrics } from '../metrics/broker.metrics.ts';
import { GroupStore } from '../storage/group.store.ts';
import { readJson, writeJsonAtomic } from '../storage/json.file.ts';
import { ProducerIds } from '../storage/producer-ids.store.ts';
import { TopicStore } from '../storage/topic.store.ts';
import type { BrokerContext, FsyncPolicy } from './broker.context.ts';
import { type ConnectionStats, serveConnection } from './connection.handler.ts';

export interface BrokerOptions {
  /** TCP port for Kafka clients; 0 picks a free one (the bound port is advertised). Default 9092. */
  readonly port?: number;
  /** Interface to bind. Default `127.0.0.1`. */
  readonly host?: string;
  /** Host told to clients in Metadata/FindCoordinator. Default: `host`, or 127.0.0.1 for a wildcard bind. */
  readonly advertisedHost?: string;
  /** Where logs, offsets, topic configs and producer ids live. Required unless `inMemory`. */
  readonly dataDir?: string;
  /** Keep everything in memory (unit tests). */
  readonly inMemory?: boolean;
  readonly nodeId?: number;
  /** `auto.create.topics.enable`. Default true. */
  readonly autoCreateTopics?: boolean;
  /** `num.partitions` for auto-created topics and CreateTopics with −1. Default 1. */
  readonly defaultPartitions?: number;
  readonly fsync?: FsyncPolicy;
  /** `message.max.bytes` default for topics. Default 1048588 (Kafka's). */
  readonly maxMessageBytes?: number;
  /** `socket.request.max.bytes`: larger frames close the connection. Default 100 MiB. */
  readonly maxRequestBytes?: number;
  readonly segmentBytes?: number;
  readonly retentionMs?: number;
  readonly retentionBytes?: number;
  readonly retentionCheckIntervalMs?: number;
  readonly minSessionTimeoutMs?: number;
  readonly maxSessionTimeoutMs?: number;
  readonly initialRebalanceDelayMs?: number;
  /** Serve Prometheus `/metrics` on this port (0 = any free port); off when undefined. */
  readonly metricsPort?: number;
  /** Record timestamps and retention read it, so it is wall-clock time; the group timers run on it too. */
  readonly clock?: WallClock;
  readonly log?: (line: string) => void;
}

export interface RunningBroker {
  readonly host: string;
  readonly port: number;
  /** `host:port` for a client's bootstrap list. */
  readonly bootstrap: string;
  readonly metricsPort: number | null;
  readonly dataDir: string | null;
  readonly context: BrokerContext;
  /** What each open connection holds (queued requests, unsent answers) and the most it ever held. */
  connections(): ConnectionStats[];
  close(): Promise<void>;
}

/** Starts a broker; resolves once it listens. */
export async function start(options: BrokerOptions = {}): Promise<RunningBroker> {
  if (!options.inMemory && !options.dataDir) throw new Error('start(): pass dataDir, or inMemory: true');
  const dataDir = options.inMemory ? null : options.dataDir!;
  const log = options.log ?? ((line: string) => process.stderr.write(`[kafka-dev] ${line}\n`));
  const clock = options.clock ?? wallClock;
  const host = options.host ?? '127.0.0.1';
  let clusterId = randomUUID().replaceAll('-', '').slice(0, 22);
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    const meta = readJson<{ clusterId: string }>(join(dataDir, 'meta.json'));
    if (meta) clusterId = meta.clusterId;
    else writeJsonAtomic(join(dataDir, 'meta.json'), { clusterId });
  }
  const topics = new TopicStore(dataDir, {
    segmentBytes: options.segmentBytes ?? 16 * 1024 * 1024,
    retentionMs: options.retentionMs ?? 7 * 24 * 3600 * 1000,
    retentionBytes: options.retentionBytes ?? 1024 * 1024 * 1024,
    maxMessageBytes: options.maxMessageBytes ?? 1048588,
  });
  let maxProducerId = -1n;
  for (const topic of topics.topics.values()) {
    for (const partition of topic.partitions) {
      const id = partition.producers.maxProducerId();
      if (id > maxProducerId) maxProducerId = id;
    }
  }
  const groups = new GroupCoordinator({
    clock,
    store: new GroupStore(dataDir),
    minSessionTimeoutMs: options.minSessionTimeoutMs ?? 6000,
    maxSessionTimeoutMs: options.maxSessionTimeoutMs ?? 1_800_000,
    initialRebalanceDelayMs: options.initialRebalanceDelayMs ?? 0,
    log,
  });
  const metrics = new Metrics(topics, () => groups);
  const waiters = new Set<() => void>();
  const advertised = {
    host: options.advertisedHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host),
    port: 0,
  };
  const nodeId = options.nodeId ?? 1;
  const brokerConfigs: Record<string, string> = {
    'broker.id': String(nodeId),
    'node.id': String(nodeId),
    'auto.create.topics.enable': String(options.autoCreateTopics ?? true),
    'num.partitions': String(options.defaultPartitions ?? 1),
    'default.replication.factor': '1',
    'offsets.topic.replication.factor': '1',
    'message.max.bytes': String(topics.defaults.maxMessageBytes),
    'log.segment.bytes': String(topics.defaults.segmentBytes),
    'log.retention.ms': String(topics.defaults.retentionMs),
    'log.retention.bytes': String(topics.defaults.retentionBytes),
    'log.dirs': dataDir ?? '',
    'group.initial.rebalance.delay.ms': String(options.initialRebalanceDelayMs ?? 0),
    'group.min.session.timeout.ms': String(options.minSessionTimeoutMs ?? 6000),
    'group.max.session.timeout.ms': String(options.maxSessionTimeoutMs ?? 1_800_000),
    'socket.request.max.bytes': String(options.maxRequestBytes ?? 100 * 1024 * 1024),
  };
  const context: BrokerContext = {
    nodeId,
    clusterId,
    brokerConfigs,
    advertised,
    topics,
    groups,
    producerIds: new ProducerIds(dataDir, maxProducerId),
    clock,
    metrics,
    fsync: options.fsync ?? 'acks-all',
    autoCreateTopics: options.autoCreateTopics ?? true,
    defaultPartitions: options.defaultPartitions ?? 1,
    apis: new Map(API_LIST.map((api) => [api.key, api])),
    log,
    createTopic: (name, partitions, configs) => {
      log(`created topic ${name} with ${partitions} partition(s)`);
      return topics.create(name, partitions, configs);
    },
    deleteTopic: (name) => {
      topics.delete(name);
      groups.forgetTopic(name);
      log(`deleted topic ${name}`);
    },
    waitForData: (ms, signal) =>
      new Promise((resolve) => {
        if (closing || signal?.aborted) return resolve();
        const timer = clock.setTimer(done, ms);
        function done() {
          timer.cancel();
          waiters.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        }
        waiters.add(done);
        signal?.addEventListener('abort', done);
      }),
    notifyData: () => {
      for (const wake of [...waiters]) wake();
    },
    sync: (partitionLog) => partitionLog.sync(),
  };

  let closing: Promise<void> | null = null;
  const sockets = new Set<Socket>();
  const connections = new Set<() => ConnectionStats>();
  const maxRequestBytes = options.maxRequestBytes ?? 100 * 1024 * 1024;
  // Nagle off, as Apache Kafka's SocketServer does: a response's second small write would otherwise wait for
  // the client's delayed ACK.
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(context, socket, maxRequestBytes, connections);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9092, host, () => resolve());
  });
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : 0;
  advertised.port = port;
  brokerConfigs['advertised.listeners'] = `PLAINTEXT://${advertised.host}:${port}`;

  let metricsServer: HttpServer | null = null;
  if (options.metricsPort !== undefined) metricsServer = await metrics.serve(options.metricsPort, host);
  const metricsAddress = metricsServer?.address();

  const retentionInterval = options.retentionCheckIntervalMs ?? 30_000;
  let retentionTimer = clock.setTimer(function check() {
    for (const topic of topics.topics.values())
      for (const partition of topic.partitions) partition.applyRetention(clock.now());
    retentionTimer = clock.setTimer(check, retentionInterval);
  }, retentionInterval);

  return {
    host,
    port,
    bootstrap: `${advertised.host}:${port}`,
    metricsPort: metricsAddress && typeof metricsAddress === 'object' ? metricsAddress.port : null,
    dataDir,
    context,
    connections: () => [...connections].map((stats) => stats()),
    close() {
      closing ??= (async () => {
        retentionTimer.cancel();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        context.notifyData();
        groups.close();
        if (metricsServer) {
          metricsServer.closeAllConnections();
          await new Promise<void>((resolve) => metricsServer!.close(() => resolve()));
        }
        await closed;
        for (const topic of topics.topics.values()) await Promise.all(topic.partitions.map((p) => p.sync()));
        topics.close();
      })();
      return closing;
    },
  };
}
