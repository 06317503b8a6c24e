import { AsyncLocalStorage } from 'node:async_hooks';
import { parseTraceParent } from '@opentelemetry/core';
import type { Priority } from '@rebound/resilience';

/**
 * The incoming call a server handler is working for. Clients made with `createRpcClient` read it to propagate
 * the deadline (so it shrinks hop by hop), the cancellation and the metadata of the original request.
 */
export interface CallContext {
  /** Absolute deadline in epoch milliseconds (`Infinity` when the caller set none). */
  readonly deadline: number;
  /** Fires when the deadline passes, the caller cancels, or the server drains past its bound. */
  readonly signal: AbortSignal;
  readonly requestId: string;
  /** The W3C `traceparent` of the incoming call, passed on unchanged until tracing creates child spans. */
  readonly traceparent: string | undefined;
  readonly idempotencyKey: string | undefined;
  readonly priority: Priority | undefined;
}

const storage = new AsyncLocalStorage<CallContext>();

/** Runs `work` as part of `context`; `currentCall()` returns it across every await inside. */
export function runWithCall<T>(context: CallContext, work: () => T): T {
  return storage.run(context, work);
}

/** The incoming call being served, if this code runs inside a handler. */
export function currentCall(): CallContext | undefined {
  return storage.getStore();
}

const PRIORITIES: ReadonlySet<string> = new Set(['critical-plus', 'critical', 'sheddable-plus', 'sheddable']);

export function parsePriority(value: unknown): Priority | undefined {
  return typeof value === 'string' && PRIORITIES.has(value) ? (value as Priority) : undefined;
}

/** Trace and span ids out of a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`), if valid (the W3C propagator's parser). */
export function parseTraceparent(value: string | undefined): { traceId: string; spanId: string } | undefined {
  const parsed = value === undefined ? null : parseTraceParent(value);
  return parsed === null ? undefined : { traceId: parsed.traceId, spanId: parsed.spanId };
}
