import { ConfigError } from '../errors/config.error.ts';

/** Where spans go: an OTLP/HTTP collector, standard output (one object per span), or nowhere (no SDK at all). */
export type TracesExporter = 'otlp' | 'console' | 'none';

/** The OTLP/HTTP body: protobuf (the OpenTelemetry default, and the cheaper to make) or JSON. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface TracingConfig {
  readonly exporter: TracesExporter;
  /** `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`. */
  readonly protocol: OtlpProtocol;
  /** `OTEL_SERVICE_NAME`, else the service's own name. */
  readonly serviceName: string;
  /** Fraction of new traces sampled (`parentbased_traceidratio`); a sampled parent is always followed. */
  readonly sampleRatio: number;
  /** How long finished spans wait before a batch is exported (`OTEL_BSP_SCHEDULE_DELAY`, ms). */
  readonly scheduleDelayMs: number;
}

const EXPORTERS: readonly TracesExporter[] = ['otlp', 'console', 'none'];
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];

/**
 * Reads the standard OpenTelemetry variables. The exporter defaults to `otlp` when a collector endpoint is
 * set and to `none` otherwise, so a laptop pays nothing for tracing until someone points it somewhere.
 */
export function parseTracingConfig(service: string, env: NodeJS.ProcessEnv): TracingConfig {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const exporter = (env.OTEL_TRACES_EXPORTER || (endpoint ? 'otlp' : 'none')).trim().toLowerCase();
  if (!EXPORTERS.includes(exporter as TracesExporter)) {
    throw new ConfigError(`OTEL_TRACES_EXPORTER must be one of ${EXPORTERS.join(', ')}; got "${exporter}"`);
  }
  const protocol = (
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ||
    env.OTEL_EXPORTER_OTLP_PROTOCOL ||
    'http/protobuf'
  )
    .trim()
    .toLowerCase();
  if (!PROTOCOLS.includes(protocol as OtlpProtocol)) {
    throw new ConfigError(
      `OTEL_EXPORTER_OTLP_PROTOCOL must be one of ${PROTOCOLS.join(', ')}; got "${protocol}"`,
    );
  }
  return {
    exporter: exporter as TracesExporter,
    protocol: protocol as OtlpProtocol,
    serviceName: env.OTEL_SERVICE_NAME || service,
    sampleRatio: parseSampleRatio(env),
    scheduleDelayMs: parseNonNegative('OTEL_BSP_SCHEDULE_DELAY', env.OTEL_BSP_SCHEDULE_DELAY, 1_000),
  };
}

function parseSampleRatio(env: NodeJS.ProcessEnv): number {
  const sampler = (env.OTEL_TRACES_SAMPLER || 'parentbased_always_on').trim().toLowerCase();
  if (sampler === 'parentbased_always_on') return 1;
  if (sampler === 'parentbased_traceidratio') {
    const ratio = parseNonNegative('OTEL_TRACES_SAMPLER_ARG', env.OTEL_TRACES_SAMPLER_ARG, 1);
    if (ratio > 1) throw new ConfigError(`OTEL_TRACES_SAMPLER_ARG must be between 0 and 1; got ${ratio}`);
    return ratio;
  }
  throw new ConfigError(
    `OTEL_TRACES_SAMPLER must be parentbased_always_on or parentbased_traceidratio; got "${sampler}"`,
  );
}

function parseNonNegative(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new ConfigError(`${name} must be a number ≥ 0; got "${raw}"`);
  return value;
}
