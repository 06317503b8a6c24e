/**
 * Kafka 3.9's topic configs: every name CreateTopics, AlterConfigs and DescribeConfigs know, each with its
 * type, its validator (as Kafka's ConfigDef applies it) and its default. Values are kept as given (strings).
 * The broker enforces `max.message.bytes`, `retention.*`, `segment.bytes` and `cleanup.policy`'s key rule;
 * the rest are validated and stored, as real Kafka would accept them.
 */

type Type = 'int' | 'long' | 'double' | 'boolean' | 'string' | 'list';

interface ConfigSpec {
  readonly type: Type;
  /** Kafka's default; `broker` = the broker's own setting (see `TopicDefaults`). */
  readonly default: string | 'broker';
  /** Why a value of the right type is still invalid, or null. */
  readonly check?: (value: string) => string | null;
}

const INT_MAX = 2 ** 31 - 1;
const LONG_MAX = '9223372036854775807';

const atLeast = (min: number) => (value: string) =>
  Number(value) < min ? `Value must be at least ${min}` : null;
const between = (min: number, max: number) => (value: string) =>
  Number(value) < min || Number(value) > max
    ? `Value must be no less than ${min} and no more than ${max}`
    : null;
const oneOf =
  (...allowed: string[]) =>
  (value: string) =>
    allowed.includes(value) ? null : `String must be one of: ${allowed.join(', ')}`;
const listOf =
  (...allowed: string[]) =>
  (value: string) => {
    const items = splitList(value);
    const bad = items.find((item) => !allowed.includes(item));
    return bad === undefined ? null : `String must be one of: ${allowed.join(', ')}`;
  };
/** `leader/follower.replication.throttled.replicas`: empty, `*`, or `partition:broker` pairs. */
const throttledReplicas = (value: string) => {
  const items = splitList(value);
  if (items.length === 0 || (items.length === 1 && items[0] === '*')) return null;
  return items.every((item) => /^\d+:\d+$/.test(item))
    ? null
    : 'Must be the wildcard (*) or a list of the form [PartitionId]:[BrokerId],[PartitionId]:[BrokerId],...';
};
/** `message.format.version`: a Kafka release (`2.8`, `0.10.2`, `3.0-IV1`). */
const releaseVersion = (value: string) =>
  /^\d+\.\d+(\.\d+)?(-IV\d+)?$/.test(value) ? null : `Version \`${value}\` is not a valid version`;

export const TOPIC_CONFIGS: Readonly<Record<string, ConfigSpec>> = {
  'cleanup.policy': { type: 'list', default: 'delete', check: listOf('compact', 'delete') },
  'compression.type': {
    type: 'string',
    default: 'producer',
    check: oneOf('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'),
  },
  'compression.gzip.level': {
    type: 'int',
    default: '-1',
    check: (v) => (v === '-1' ? null : between(1, 9)(v)),
  },
  'compression.lz4.level': { type: 'int', default: '9', check: between(1, 17) },
  'compression.zstd.level': { type: 'int', default: '3', check: between(-131072, 22) },
  'delete.retention.ms': { type: 'long', default: '86400000', check: atLeast(0) },
  'file.delete.delay.ms': { type: 'long', default: '60000', check: atLeast(0) },
  'flush.messages': { type: 'long', default: LONG_MAX, check: atLeast(1) },
  'flush.ms': { type: 'long', default: LONG_MAX, check: atLeast(0) },
  'follower.replication.throttled.replicas': { type: 'list', default: '', check: throttledReplicas },
  'index.interval.bytes': { type: 'int', default: '4096', check: atLeast(0) },
  'leader.replication.throttled.replicas': { type: 'list', default: '', check: throttledReplicas },
  'local.retention.bytes': { type: 'long', default: '-2', check: atLeast(-2) },
  'local.retention.ms': { type: 'long', default: '-2', check: atLeast(-2) },
  'max.compaction.lag.ms': { type: 'long', default: LONG_MAX, check: atLeast(1) },
  'max.message.bytes': { type: 'int', default: 'broker', check: atLeast(0) },
  'message.downconversion.enable': { type: 'boolean', default: 'true' },
  'message.format.version': { type: 'string', default: '3.0-IV1', check: releaseVersion },
  'message.timestamp.after.max.ms': { type: 'long', default: LONG_MAX, check: atLeast(0) },
  'message.timestamp.before.max.ms': { type: 'long', default: LONG_MAX, check: atLeast(0) },
  'message.timestamp.difference.max.ms': { type: 'long', default: LONG_MAX, check: atLeast(0) },
  'message.timestamp.type': {
    type: 'string',
    default: 'CreateTime',
    check: oneOf('CreateTime', 'LogAppendTime'),
  },
  'min.cleanable.dirty.ratio': { type: 'double', default: '0.5', check: between(0, 1) },
  'min.compaction.lag.ms': { type: 'long', default: '0', check: atLeast(0) },
  'min.insync.replicas': { type: 'int', default: '1', check: atLeast(1) },
  preallocate: { type: 'boolean', default: 'false' },
  'remote.log.copy.disable': { type: 'boolean', default: 'false' },
  'remote.log.delete.on.disable': { type: 'boolean', default: 'false' },
  'remote.storage.enable': { type: 'boolean', default: 'false' },
  'retention.bytes': { type: 'long', default: 'broker' },
  'retention.ms': { type: 'long', default: 'broker', check: atLeast(-1) },
  'segment.bytes': { type: 'int', default: 'broker', check: atLeast(14) },
  'segment.index.bytes': { type: 'int', default: '10485760', check: atLeast(4) },
  'segment.jitter.ms': { type: 'long', default: '0', check: atLeast(0) },
  'segment.ms': { type: 'long', default: '604800000', check: atLeast(1) },
  'unclean.leader.election.enable': { type: 'boolean', default: 'false' },
};

function splitList(value: string): string[] {
  const trimmed = value.trim();
  return trimmed === '' ? [] : trimmed.split(',').map((item) => item.trim());
}

function typeError(type: Type, value: string): string | null {
  const v = value.trim();
  switch (type) {
    case 'int':
      return /^[+-]?\d+$/.test(v) && Math.abs(Number(v)) <= INT_MAX
        ? null
        : 'Expected value to be a 32-bit integer';
    case 'long':
      return /^[+-]?\d+$/.test(v) && BigInt(v) <= 2n ** 63n - 1n && BigInt(v) >= -(2n ** 63n)
        ? null
        : 'Expected value to be a 64-bit integer';
    case 'double':
      return v !== '' && Number.isFinite(Number(v)) ? null : 'Expected value to be a double';
    case 'boolean':
      return /^(true|false)$/i.test(v) ? null : 'Expected value to be either true or false';
    default:
      return null;
  }
}

/** Why one config is invalid (Kafka answers INVALID_CONFIG with this message), or null. */
export function invalidConfigValue(name: string, value: string): string | null {
  const spec = TOPIC_CONFIGS[name];
  if (!spec) return `Unknown topic config name: ${name}`;
  const reason = typeError(spec.type, value) ?? spec.check?.(value.trim()) ?? null;
  return reason === null ? null : `Invalid value ${value} for configuration ${name}: ${reason}`;
}

/** Why a config set is invalid, or null. */
export function invalidConfig(configs: Readonly<Record<string, string>>): string | null {
  for (const [name, value] of Object.entries(configs)) {
    const reason = invalidConfigValue(name, value);
    if (reason) return reason;
  }
  return null;
}
