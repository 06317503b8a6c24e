import { randomUUID } from 'node:crypto';
import {
  Metadata,
  type ServerUnaryCall,
  type ServiceError,
  type sendUnaryData,
  status,
  type UntypedHandleCall,
} from '@grpc/grpc-js';
import { type RedMetrics, runWithRequestContext } from '@rebound/observability';
import { TimeoutError } from '@rebound/resilience';
import { type CallContext, parsePriority, parseTraceparent, runWithCall } from '../common/call-context.ts';
import { codeName, RpcError, toStatusError } from '../common/status.ts';
import {
  IDEMPOTENCY_KEY,
  PRIORITY_KEY,
  REQUEST_ID_KEY,
  RETRY_AFTER_KEY,
  TRACEPARENT_KEY,
} from '../constants.ts';
import type { ConcurrencyLimit } from './concurrency-limit.ts';
import type { FaultInjector } from './fault-injector.ts';
import { MalformedRequest, type Validator, validate } from './validation.ts';

/** What a handler gets beside the request. */
export interface HandlerContext extends CallContext {
  readonly metadata: Metadata;
  readonly path: string;
}

export type UnaryHandler<Req, Res> = (request: Req, context: HandlerContext) => Res | Promise<Res>;

/** Server-wide machinery every wrapped handler shares. */
export interface HandlerRuntime {
  readonly limit: ConcurrencyLimit | undefined;
  readonly faults: FaultInjector;
  readonly metrics: RedMetrics | undefined;
  readonly retryAfterMs: () => number;
  onShed(operation: string, priority: string): void;
  /** In-flight calls, so a drain past its bound can cut them. */
  readonly inflight: Set<AbortController>;
}

function first(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Wraps a promise-returning handler for grpc-js: malformed bytes → INVALID_ARGUMENT, shedding before any work
 * (RESOURCE_EXHAUSTED + `retry-after-ms` trailer), validation → INVALID_ARGUMENT, an AbortSignal that fires on
 * the deadline or the client's cancel (and the call is answered DEADLINE_EXCEEDED at the deadline even if the
 * handler ignores it), fault hooks, the request context for logs and outgoing calls, and RED metrics.
 */
export function wrapUnary<Req, Res>(
  path: string,
  handler: UnaryHandler<Req, Res>,
  validator: Validator | undefined,
  runtime: HandlerRuntime,
): UntypedHandleCall {
  const operation = path.slice(1);
  return (call: ServerUnaryCall<Req | MalformedRequest, Res>, callback: sendUnaryData<Res>) => {
    const started = performance.now();
    const finish = (error: ServiceError | null, value?: Res): void => {
      runtime.metrics?.observe(
        operation,
        error === null ? 'OK' : codeName(error.code),
        (performance.now() - started) / 1000,
      );
      if (error === null) callback(null, value);
      else callback(error);
    };
    const request = call.request;
    if (request instanceof MalformedRequest) {
      finish(new RpcError(status.INVALID_ARGUMENT, `malformed request for ${operation}: ${request.reason}`));
      return;
    }
    const metadata = call.metadata;
    const priority = parsePriority(first(metadata, PRIORITY_KEY));
    const limit = runtime.limit;
    if (limit !== undefined && !limit.tryAcquire(priority ?? 'critical')) {
      runtime.onShed(operation, priority ?? 'critical');
      const after = runtime.retryAfterMs();
      const trailers = new Metadata();
      trailers.set(RETRY_AFTER_KEY, String(after));
      finish(new RpcError(status.RESOURCE_EXHAUSTED, `overloaded, retry after ${after} ms`, trailers));
      return;
    }
    if (validator !== undefined) {
      const problem = validate(validator, request);
      if (problem !== undefined) {
        limit?.release(performance.now() - started, false);
        finish(new RpcError(status.INVALID_ARGUMENT, `invalid ${operation} request: ${problem}`));
        return;
      }
    }
    const rawDeadline = call.getDeadline();
    const deadline = rawDeadline instanceof Date ? rawDeadline.getTime() : Number(rawDeadline);
    const controller = new AbortController();
    runtime.inflight.add(controller);
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (error: ServiceError | null, value?: Res): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      call.removeListener('cancelled', onCancel);
      runtime.inflight.delete(controller);
      const dropped =
        error !== null && (error.code === status.DEADLINE_EXCEEDED || error.code === status.CANCELLED);
      limit?.release(performance.now() - started, dropped);
      finish(error, value);
    };
    const onCancel = (): void => {
      controller.abort(new RpcError(status.CANCELLED, 'cancelled by the client'));
      settle(new RpcError(status.CANCELLED, `${operation} cancelled by the client`));
    };
    call.on('cancelled', onCancel);
    if (Number.isFinite(deadline)) {
      const remaining = deadline - Date.now();
      const onDeadline = (): void => {
        controller.abort(new TimeoutError(remaining, true));
        settle(new RpcError(status.DEADLINE_EXCEEDED, `${operation} cut at its deadline`));
      };
      if (remaining <= 0) {
        onDeadline();
        return;
      }
      timer = setTimeout(onDeadline, remaining);
    }
    const requestId = first(metadata, REQUEST_ID_KEY) ?? randomUUID();
    const traceparent = first(metadata, TRACEPARENT_KEY);
    const trace = parseTraceparent(traceparent);
    const idempotencyKey = first(metadata, IDEMPOTENCY_KEY);
    const context: HandlerContext = {
      deadline,
      signal: controller.signal,
      requestId,
      traceparent,
      idempotencyKey,
      priority,
      metadata,
      path,
    };
    const run = async (): Promise<Res> => {
      const fault = runtime.faults.before(path, controller.signal);
      if (fault !== undefined) await fault;
      return handler(request as Req, context);
    };
    runWithRequestContext(
      {
        requestId,
        ...(trace === undefined ? {} : { traceId: trace.traceId, spanId: trace.spanId }),
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      },
      () => runWithCall(context, run),
    ).then(
      (value) => settle(null, value),
      (error: unknown) => settle(toStatusError(error, operation)),
    );
  };
}
