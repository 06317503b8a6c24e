import type { ApiDefinition } from '../protocol/api.types.ts';
import { ErrorCode } from '../protocol/error-code.enum.ts';
import { Writer } from '../protocol/response.writer.ts';
import type { BrokerContext } from '../server/broker.context.ts';
import { invalidConfigValue, TOPIC_CONFIGS } from '../storage/topic-config.schema.ts';

/** ConfigResource types (Kafka's `ConfigResource.Type`). */
const TOPIC = 2;
const BROKER = 4;
/** DescribeConfigs `config_source`. */
const Source = { TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

interface ConfigEntry {
  name: string;
  value: string;
  readOnly: boolean;
  source: number;
}

interface Resource {
  type: number;
  name: string;
}

/** What is wrong with a resource name, or null: topics must exist, the broker is this node ("" = cluster default). */
function resourceError(context: BrokerContext, { type, name }: Resource): [number, string] | null {
  if (type === TOPIC) {
    return context.topics.topics.has(name)
      ? null
      : [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${name} does not exist`];
  }
  if (type === BROKER) {
    return name === '' || name === String(context.nodeId)
      ? null
      : [ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${context.nodeId} but received ${name}`];
  }
  return [ErrorCode.INVALID_REQUEST, `Unsupported resource type ${type}`];
}

function topicEntries(context: BrokerContext, name: string): ConfigEntry[] {
  const topic = context.topics.topics.get(name)!;
  const defaults = context.topics.defaults;
  /** Kafka's own defaults of the configs this broker sets from flags: equal = DEFAULT_CONFIG, else STATIC. */
  const kafkaDefault: Record<string, number> = {
    'max.message.bytes': 1048588,
    'retention.bytes': -1,
    'retention.ms': 604_800_000,
    'segment.bytes': 1_073_741_824,
  };
  const brokerDefault: Record<string, number> = {
    'max.message.bytes': defaults.maxMessageBytes,
    'retention.bytes': defaults.retentionBytes,
    'retention.ms': defaults.retentionMs,
    'segment.bytes': defaults.segmentBytes,
  };
  return Object.entries(TOPIC_CONFIGS).map(([key, spec]) => {
    const own = topic.configs[key];
    if (own !== undefined) return { name: key, value: own, readOnly: false, source: Source.TOPIC_CONFIG };
    if (spec.default !== 'broker')
      return { name: key, value: spec.default, readOnly: false, source: Source.DEFAULT_CONFIG };
    const value = String(brokerDefault[key]);
    const source =
      brokerDefault[key] === kafkaDefault[key] ? Source.DEFAULT_CONFIG : Source.STATIC_BROKER_CONFIG;
    return { name: key, value, readOnly: false, source };
  });
}

function brokerEntries(context: BrokerContext): ConfigEntry[] {
  return Object.entries(context.brokerConfigs).map(([name, value]) => ({
    name,
    value,
    readOnly: true,
    source: Source.STATIC_BROKER_CONFIG,
  }));
}

/**
 * DescribeConfigs v0–2 for topics (every Kafka 3.9 topic config, overrides marked TOPIC_CONFIG) and for
 * this broker (its settings, read-only: they come from flags).
 */
export const describeConfigsApi: ApiDefinition<BrokerContext> = {
  key: 32,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 2,
  handle(context, { apiVersion: v }, r) {
    const resources = r.array((r) => ({
      type: r.int8(),
      name: r.string(),
      names: r.nullableArray((r) => r.string()),
    }));
    const includeSynonyms = v >= 1 ? r.boolean() : false;
    const w = new Writer();
    w.int32(0);
    w.array(resources, (w, resource) => {
      const error = resourceError(context, resource);
      w.int16(error?.[0] ?? ErrorCode.NONE)
        .string(error?.[1] ?? null)
        .int8(resource.type)
        .string(resource.name);
      const all = error
        ? []
        : resource.type === TOPIC
          ? topicEntries(context, resource.name)
          : brokerEntries(context);
      const entries = resource.names === null ? all : all.filter((e) => resource.names!.includes(e.name));
      w.array(entries, (w, e) => {
        w.string(e.name).string(e.value).boolean(e.readOnly);
        if (v === 0) w.boolean(e.source === Source.DEFAULT_CONFIG);
        else w.int8(e.source);
        w.boolean(false);
        if (v >= 1) {
          w.array(includeSynonyms ? [e] : [], (w, s) => w.string(s.name).string(s.value).int8(s.source));
        }
      });
    });
    return w.finish();
  },
};

/**
 * AlterConfigs v0–1 (the non-incremental API): a topic's overrides become exactly the given set, each
 * validated as Kafka validates it; broker configs are flags here, so altering them is refused.
 */
export const alterConfigsApi: ApiDefinition<BrokerContext> = {
  key: 33,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  handle(context, _header, r) {
    const resources = r.array((r) => ({
      type: r.int8(),
      name: r.string(),
      configs: r.array((r) => [r.string(), r.nullableString()] as const),
    }));
    const validateOnly = r.boolean();
    const w = new Writer();
    w.int32(0);
    w.array(resources, (w, resource) => {
      let error = resourceError(context, resource);
      if (!error && resource.type === BROKER)
        error = [
          ErrorCode.INVALID_REQUEST,
          'The development broker is configured by its flags, not AlterConfigs',
        ];
      const configs: Record<string, string> = {};
      for (const [name, value] of resource.configs) {
        if (error) break;
        if (value === null)
          error = [ErrorCode.INVALID_REQUEST, `Null value not supported for topic config ${name}`];
        else {
          const invalid = invalidConfigValue(name, value);
          if (invalid) error = [ErrorCode.INVALID_CONFIG, invalid];
          else configs[name] = value;
        }
      }
      if (!error && !validateOnly) {
        context.topics.alterConfigs(context.topics.topics.get(resource.name)!, configs);
        context.log(`altered configs of topic ${resource.name}`);
      }
      w.int16(error?.[0] ?? ErrorCode.NONE)
        .string(error?.[1] ?? null)
        .int8(resource.type)
        .string(resource.name);
    });
    return w.finish();
  },
};
