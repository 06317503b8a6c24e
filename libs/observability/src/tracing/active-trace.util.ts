import { context, isSpanContextValid, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';

export interface TraceIds {
  readonly traceId: string;
  readonly spanId: string;
}

/** Trace and span id of the span active here, if tracing is on and one is. */
export function activeTraceIds(): TraceIds | undefined {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return undefined;
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

/** The W3C `traceparent` of the span active here, for carriers the instrumentations do not cover (outbox rows). */
export function activeTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** Runs `work` with the remote span named by `traceparent` as parent, or in the current context without one. */
export function withRemoteParent<T>(traceparent: string | undefined, work: () => T): T {
  if (traceparent === undefined) return work();
  return context.with(propagation.extract(ROOT_CONTEXT, { traceparent }), work);
}

/**
 * Renames the active span, e.g. an HTTP server span after its route (`POST /api/orders`): the http
 * instrumentation only knows the method. Returns the span's trace id, for a response header; `undefined` when
 * tracing is off.
 */
export function nameActiveSpan(
  name: string,
  attributes: Readonly<Record<string, string>> = {},
): string | undefined {
  const span = trace.getSpan(context.active());
  if (span === undefined || !span.isRecording()) return undefined;
  span.updateName(name);
  span.setAttributes(attributes);
  return span.spanContext().traceId;
}
