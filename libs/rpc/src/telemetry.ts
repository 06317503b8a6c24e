import { type Metadata, status } from '@grpc/grpc-js';
import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { tracingEnabled } from '@rebound/observability';

/**
 * Client and server spans through the OpenTelemetry API, made by this library's own wrappers (no grpc-js
 * patching): named and described after the RPC semantic conventions, context carried in gRPC metadata by the
 * globally registered propagator (W3C trace context). With tracing off (no SDK started) nothing is made at all.
 */
const tracer = trace.getTracer('@rebound/rpc');

/** The span of the server call whose context `traced` is (see {@link startServerSpan}). */
export function serverSpan(traced: Context | undefined): Span | undefined {
  return traced === undefined ? undefined : trace.getSpan(traced);
}

/** A method's span name (`package.Service/Method`) and its fixed attributes, computed once per method. */
export interface MethodTelemetry {
  readonly name: string;
  readonly attributes: Attributes;
}

export function methodTelemetry(path: string): MethodTelemetry {
  const name = path.slice(1);
  const slash = name.lastIndexOf('/');
  return {
    name,
    attributes: {
      'rpc.system': 'grpc',
      'rpc.service': name.slice(0, slash),
      'rpc.method': name.slice(slash + 1),
    },
  };
}

// The attributes are set once a span is known to record: passed to startSpan, the SDK would copy and check them
// for every call, sampled or not (the platform's samplers do not read them).
const CLIENT: SpanOptions = { kind: SpanKind.CLIENT };
const SERVER: SpanOptions = { kind: SpanKind.SERVER };

function started(span: Span, method: MethodTelemetry): Span {
  if (span.isRecording()) span.setAttributes(method.attributes);
  return span;
}

const metadataSetter: TextMapSetter<Metadata> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

const metadataGetter: TextMapGetter<Metadata> = {
  get: (carrier, key) => {
    const value = carrier.get(key)[0];
    return typeof value === 'string' ? value : undefined;
  },
  keys: (carrier) => Object.keys(carrier.getMap()),
};

const w3c = new W3CTraceContextPropagator();

/**
 * With tracing off, writes the `traceparent` of a request known only by its ids (the request context's) into
 * `metadata`, formatted by the W3C propagator (the global one is a no-op without an SDK).
 */
export function injectTraceIds(metadata: Metadata, traceId: string, spanId: string): void {
  const carried = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED });
  w3c.inject(carried, metadata, metadataSetter);
}

/** The context a call's client spans descend from (the one active where it was made), or undefined when off. */
export function callerContext(): Context | undefined {
  return tracingEnabled() ? context.active() : undefined;
}

/** Runs `work` in `traced` (a server span's context), or as it is when tracing is off. */
export function runTraced<T>(traced: Context | undefined, work: () => T): T {
  return traced === undefined ? work() : context.with(traced, work);
}

/**
 * Whether `ctx` carries a span context its trace did not sample. The platform's samplers are parent-based (the
 * only ones `OTEL_TRACES_SAMPLER` accepts), so nothing below it would be sampled either: no span is started for
 * it, and the context is carried on as it came (flags 00), which keeps an unsampled call at a few µs of CPU.
 */
function unsampled(ctx: Context): boolean {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext !== undefined && (spanContext.traceFlags & TraceFlags.SAMPLED) === 0;
}

/**
 * Starts the client span of one attempt under `parent` and writes its context into the outgoing metadata; in an
 * unsampled trace only the context is written.
 */
export function startClientSpan(
  method: MethodTelemetry,
  parent: Context,
  metadata: Metadata,
): Span | undefined {
  if (unsampled(parent)) {
    propagation.inject(parent, metadata, metadataSetter);
    return undefined;
  }
  const span = started(tracer.startSpan(method.name, CLIENT, parent), method);
  propagation.inject(trace.setSpan(parent, span), metadata, metadataSetter);
  return span;
}

/**
 * Starts the server span of an incoming call, a child of the caller's context in its metadata, and returns the
 * context it is active in (in an unsampled trace, the caller's context as it came); undefined when tracing is off.
 */
export function startServerSpan(method: MethodTelemetry, metadata: Metadata): Context | undefined {
  if (!tracingEnabled()) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
  if (unsampled(parent)) return parent;
  return trace.setSpan(parent, started(tracer.startSpan(method.name, SERVER, parent), method));
}

/** Server-side codes that are the server's failure (the conventions' list); the others are the caller's. */
const SERVER_FAILURES: ReadonlySet<number> = new Set([
  status.UNKNOWN,
  status.DEADLINE_EXCEEDED,
  status.UNIMPLEMENTED,
  status.INTERNAL,
  status.UNAVAILABLE,
  status.DATA_LOSS,
]);

/**
 * Ends a span with the call's status code (`rpc.grpc.status_code`); a client span fails on any code but OK, a
 * server span only on the codes that say the server failed. A client attempt this client cancelled itself (a
 * hedge that lost the race, or the caller gave up) is no failure of the call: it ends CANCELLED, marked
 * `rebound.rpc.cancelled_by_client`, without the error status.
 */
export function endRpcSpan(
  span: Span | undefined,
  kind: 'client' | 'server',
  code: number,
  message?: string,
  cancelledByClient = false,
): void {
  if (span === undefined || !span.isRecording()) return;
  span.setAttribute('rpc.grpc.status_code', code);
  if (cancelledByClient && code === status.CANCELLED) {
    span.setAttribute('rebound.rpc.cancelled_by_client', true);
  } else if (code !== status.OK && (kind === 'client' || SERVER_FAILURES.has(code))) {
    span.setStatus({ code: SpanStatusCode.ERROR, ...(message === undefined ? {} : { message }) });
  }
  span.end();
}
