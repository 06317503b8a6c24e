import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { register as registerImportHooks } from 'import-in-the-middle/register-hooks.mjs';
import { ConfigError } from '../errors/config.error.ts';
import { parseTracingConfig, type TracingConfig } from './tracing.config.ts';
import { setActiveTracing, tracingEnabled } from './tracing.state.ts';

export interface StartTracingOptions {
  /** The service's own name; `OTEL_SERVICE_NAME` overrides it. */
  readonly service: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Replaces the exporter the config names (tests pass an in-memory one). */
  readonly exporter?: SpanExporter;
}

/** Paths nobody wants a span for: probes and scrapes, many per second, all alike. */
const UNTRACED_PATHS = new Set(['/livez', '/readyz', '/startupz', '/metrics']);

/**
 * Starts the OpenTelemetry SDK for this process, before the service imports HTTP code: the import hook has to
 * see `node:http` load to patch it. Spans come from the http instrumentation (server and client spans, context
 * in HTTP headers), from `libs/rpc` (gRPC client and server spans through the OpenTelemetry API, context in the
 * metadata; grpc-js is not patched) and from `libs/messaging` (Kafka send and process spans, context in record
 * headers). With the exporter `none` nothing is installed at all.
 */
export function startTracing(options: StartTracingOptions): TracingConfig {
  const config = parseTracingConfig(options.service, options.env ?? process.env);
  if (tracingEnabled()) throw new ConfigError('tracing is already started in this process');
  if (config.exporter === 'none' && options.exporter === undefined) return config;

  // In-thread (synchronous) import hooks, limited to the modules instrumented here so the rest load untouched.
  registerImportHooks({ include: ['http', 'node:http'] });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: options.exporter ?? exporterFor(config),
        scheduledDelayMillis: config.scheduleDelayMs,
      }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
        requireParentforOutgoingSpans: true,
      }),
    ],
  });
  setActiveTracing({
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      unregister();
      await provider.shutdown();
    },
  });
  return config;
}

function exporterFor(config: TracingConfig): SpanExporter {
  // Each reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT and _HEADERS itself.
  if (config.exporter === 'console') return new ConsoleSpanExporter();
  return config.protocol === 'http/json' ? new OtlpJsonExporter() : new OtlpProtobufExporter();
}
