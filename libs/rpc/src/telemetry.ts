import { type Metadata, status } from '@grpc/grpc-js';
import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
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

/** The context a call's client spans descend from (the one active where it was made), or undefined when off. */
export function callerContext(): Context | undefined {
  return tracingEnabled() ? context.active() : undefined;
}

/** Runs `work` in `traced` (a server span's context), or as it is when tracing is off. */
export function runTraced<T>(traced: Context | undefined, work: () => T): T {
  return traced === undefined ? work() : context.with(traced, work);
}

/** Starts the client span of one attempt under `parent` and writes its context into the outgoing metadata. */
export function startClientSpan(method: MethodTelemetry, parent: Context, metadata: Metadata): Span {
  const span = tracer.startSpan(
    method.name,
    { kind: SpanKind.CLIENT, attributes: method.attributes },
    parent,
  );
  propagation.inject(trace.setSpan(parent, span), metadata, metadataSetter);
  return span;
}

/**
 * Starts the server span of an incoming call, a child of the caller's context in its metadata, and returns the
 * context it is active in; undefined when tracing is off.
 */
export function startServerSpan(method: MethodTelemetry, metadata: Metadata): Context | undefined {
  if (!tracingEnabled()) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
  const span = tracer.startSpan(
    method.name,
    { kind: SpanKind.SERVER, attributes: method.attributes },
    parent,
  );
  return trace.setSpan(parent, span);
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
 * server span only on the codes that say the server failed.
 */
export function endRpcSpan(
  span: Span | undefined,
  kind: 'client' | 'server',
  code: number,
  message?: string,
): void {
  if (span === undefined || !span.isRecording()) return;
  span.setAttribute('rpc.grpc.status_code', code);
  if (code !== status.OK && (kind === 'client' || SERVER_FAILURES.has(code))) {
    span.setStatus({ code: SpanStatusCode.ERROR, ...(message === undefined ? {} : { message }) });
  }
  span.end();
}
