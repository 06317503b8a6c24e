#!/usr/bin/env node
import { parseArgs } from 'node:util';
import type { FsyncPolicy } from './server/broker.context.ts';
import { type BrokerOptions, start } from './server/broker.server.ts';

const HELP = `kafka-dev: a one-node development Kafka broker (real wire protocol, persisted to disk)

Usage: node infra/kafka-dev/src/cli.ts [flags]

Flags (environment variable in brackets):
  --port N                 Kafka port, 0 = any free port [KAFKA_DEV_PORT] (default 9092)
  --host H                 interface to bind [KAFKA_DEV_HOST] (default 127.0.0.1)
  --advertised-host H      host given to clients in Metadata [KAFKA_DEV_ADVERTISED_HOST] (default: --host)
  --node-id N              this broker's node id (node.id / broker.id) [KAFKA_DEV_NODE_ID] (default 1)
  --data-dir DIR           logs, offsets, topic configs [KAFKA_DEV_DATA_DIR] (default .data/kafka)
  --in-memory              keep nothing on disk [KAFKA_DEV_IN_MEMORY=1]
  --fsync POLICY           acks-all | always | never [KAFKA_DEV_FSYNC] (default acks-all)
  --partitions N           partitions of auto-created topics [KAFKA_DEV_PARTITIONS] (default 1)
  --no-auto-create         refuse Metadata auto-creation [KAFKA_DEV_AUTO_CREATE=0]
  --max-message-bytes N    largest record batch [KAFKA_DEV_MAX_MESSAGE_BYTES] (default 1048588)
  --segment-bytes N        roll segments past this size [KAFKA_DEV_SEGMENT_BYTES] (default 16777216)
  --retention-ms N         delete segments older than this, -1 = never [KAFKA_DEV_RETENTION_MS] (default 604800000)
  --retention-bytes N      per-partition size cap, -1 = none [KAFKA_DEV_RETENTION_BYTES] (default 1073741824)
  --rebalance-delay-ms N   group.initial.rebalance.delay.ms [KAFKA_DEV_REBALANCE_DELAY_MS] (default 0)
  --metrics-port N         Prometheus /metrics port, 'off' (or =-1) = none [KAFKA_DEV_METRICS_PORT] (default 9308)
  -h, --help               this text

SIGTERM / SIGINT close the broker cleanly (pending writes flushed).`;

function fail(message: string): never {
  process.stderr.write(`kafka-dev: ${message} (see --help)\n`);
  process.exit(2);
}

function integer(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value) || Number(value) < min)
    fail(`--${name} must be an integer >= ${min}, got '${value}'`);
  return Number(value);
}

let parsed: ReturnType<typeof parseArgs<{ options: typeof spec; strict: true }>>;
const spec = {
  port: { type: 'string' },
  host: { type: 'string' },
  'advertised-host': { type: 'string' },
  'node-id': { type: 'string' },
  'data-dir': { type: 'string' },
  'in-memory': { type: 'boolean' },
  fsync: { type: 'string' },
  partitions: { type: 'string' },
  'no-auto-create': { type: 'boolean' },
  'max-message-bytes': { type: 'string' },
  'segment-bytes': { type: 'string' },
  'retention-ms': { type: 'string' },
  'retention-bytes': { type: 'string' },
  'rebalance-delay-ms': { type: 'string' },
  'metrics-port': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
try {
  parsed = parseArgs({ options: spec, strict: true, allowPositionals: false });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const flags = parsed.values;
if (flags.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const env = process.env;
const fsync = (flags.fsync ?? env.KAFKA_DEV_FSYNC ?? 'acks-all') as FsyncPolicy;
if (!['acks-all', 'always', 'never'].includes(fsync))
  fail(`--fsync must be acks-all, always or never, got '${fsync}'`);
const metricsFlag = flags['metrics-port'] ?? env.KAFKA_DEV_METRICS_PORT;
const metricsPort = metricsFlag === 'off' ? -1 : integer('metrics-port', metricsFlag, 9308, -1);
const inMemory = flags['in-memory'] ?? env.KAFKA_DEV_IN_MEMORY === '1';
const options: BrokerOptions = {
  port: integer('port', flags.port ?? env.KAFKA_DEV_PORT, 9092, 0),
  host: flags.host ?? env.KAFKA_DEV_HOST ?? '127.0.0.1',
  nodeId: integer('node-id', flags['node-id'] ?? env.KAFKA_DEV_NODE_ID, 1, 0),
  ...((flags['advertised-host'] ?? env.KAFKA_DEV_ADVERTISED_HOST)
    ? { advertisedHost: flags['advertised-host'] ?? env.KAFKA_DEV_ADVERTISED_HOST }
    : {}),
  ...(inMemory
    ? { inMemory: true }
    : { dataDir: flags['data-dir'] ?? env.KAFKA_DEV_DATA_DIR ?? '.data/kafka' }),
  fsync,
  defaultPartitions: integer('partitions', flags.partitions ?? env.KAFKA_DEV_PARTITIONS, 1, 1),
  autoCreateTopics: !(flags['no-auto-create'] ?? env.KAFKA_DEV_AUTO_CREATE === '0'),
  maxMessageBytes: integer(
    'max-message-bytes',
    flags['max-message-bytes'] ?? env.KAFKA_DEV_MAX_MESSAGE_BYTES,
    1048588,
    1,
  ),
  segmentBytes: integer(
    'segment-bytes',
    flags['segment-bytes'] ?? env.KAFKA_DEV_SEGMENT_BYTES,
    16 * 1024 * 1024,
    1024,
  ),
  retentionMs: integer('retention-ms', flags['retention-ms'] ?? env.KAFKA_DEV_RETENTION_MS, 604_800_000, -1),
  retentionBytes: integer(
    'retention-bytes',
    flags['retention-bytes'] ?? env.KAFKA_DEV_RETENTION_BYTES,
    1024 ** 3,
    -1,
  ),
  initialRebalanceDelayMs: integer(
    'rebalance-delay-ms',
    flags['rebalance-delay-ms'] ?? env.KAFKA_DEV_REBALANCE_DELAY_MS,
    0,
    0,
  ),
  ...(metricsPort >= 0 ? { metricsPort } : {}),
};

try {
  const broker = await start(options);
  const where = broker.dataDir ? `data in ${broker.dataDir}` : 'in memory';
  const metrics =
    broker.metricsPort === null
      ? 'metrics off'
      : `metrics on http://${broker.host}:${broker.metricsPort}/metrics`;
  process.stderr.write(
    `[kafka-dev] listening on ${broker.bootstrap} (${where}, fsync ${fsync}, ${metrics})\n`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`[kafka-dev] ${signal}: closing\n`);
    broker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`[kafka-dev] close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (error) {
  fail(`cannot start: ${error instanceof Error ? error.message : String(error)}`);
}
