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
import { isLoadShedError, type Policy, TimeoutError } from '@rebound/resilience';
import { type CallContext, parsePriority, parseTraceparent, runWithCall } from '../common/call-context.ts';
import { codeName, RpcError, toStatusError } from '../common/status.ts';
import {
  IDEMPOTENCY_KEY,
  PRIORITY_KEY,
  REQUEST_ID_KEY,
  RETRY_AFTER_KEY,
  TRACEPARENT_KEY,
} from '../constants.ts';
import type { FaultInjector } from './fault-injector.ts';
import { MalformedRequest, type Validator, validate } from './validation.ts';

/** Which admission step shed a call: the event-loop gate, queue-time admission or the concurrency limit. */
export type ShedReason = 'event-loop' | 'queue-time' | 'concurrency';

/** A call the server shed, as `RpcServer.onShed` reports it. */
export interface ServerShedEvent {
  /** `package.Service/Method`. */
  readonly operation: string;
  readonly priority: string;
  readonly reason: ShedReason;
}

/** What a handler gets beside the request. */
export interface HandlerContext extends CallContext {
  readonly metadata: Metadata;
  readonly path: string;
}

export type UnaryHandler<Req, Res> = (request: Req, context: HandlerContext) => Res | Promise<Res>;

/** Server-wide machinery every wrapped handler shares. */
export interface HandlerRuntime {
  /** Admission (load shedding) then fault injection, around the handler. */
  readonly withFaults: Policy;
  /** Admission only, for methods the configured faults leave alone. */
  readonly withoutFaults: Policy;
  readonly faults: FaultInjector;
  readonly metrics: RedMetrics | undefined;
  /** Fixed retry-after hint for shed calls; otherwise the shedder's (about when a slot frees up). */
  readonly retryAfterMs: number | undefined;
  /** True while the process is CPU-saturated: shed everything but critical-plus before any work. */
  saturated(): boolean;
  /**
   * Queue-time admission: `undefined` to admit, or why the call is shed (calls keep waiting; this loop turn's
   * share is used up). `force` admits it anyway and counts it (critical-plus).
   */
  admitQueued(force: boolean): string | undefined;
  onShed(operation: string, priority: string, reason: ShedReason): void;
  /** In-flight calls, so a drain past its bound can cut them. */
  readonly inflight: Set<AbortController>;
}

function first(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Wraps a promise-returning handler for grpc-js: queue-time admission on the headers alone (before the message is
 * decoded), malformed bytes → INVALID_ARGUMENT, validation → INVALID_ARGUMENT, load shedding before any work
 * (RESOURCE_EXHAUSTED + `retry-after-ms` trailer), an
 * AbortSignal that fires on the deadline or the client's cancel (and the call is answered DEADLINE_EXCEEDED at
 * the deadline even if the handler ignores it), fault hooks, the request context for logs and outgoing calls,
 * and RED metrics.
 */
export function wrapUnary<Req, Res>(
  path: string,
  handler: UnaryHandler<Req, Res>,
  validator: Validator | undefined,
  runtime: HandlerRuntime,
  deserialize: (bytes: Buffer) => Req,
): UntypedHandleCall {
  const operation = path.slice(1);
  return (call: ServerUnaryCall<Buffer, Res>, callback: sendUnaryData<Res>) => {
    const started = performance.now();
    const finish = (error: ServiceError | null, value?: Res): void => {
      const outcome = error === null ? 'OK' : codeName(error.code);
      runtime.metrics?.observe(operation, outcome, (performance.now() - started) / 1000);
      if (error === null) callback(null, value);
      else callback(error);
    };
    const metadata = call.metadata;
    const priority = parsePriority(first(metadata, PRIORITY_KEY));
    // Admission first, on headers only: a shed call costs no decoding, validation or allocation beyond its answer.
    const critical = priority === 'critical-plus';
    const saturated = !critical && runtime.saturated();
    const refusal = saturated ? 'CPU saturated' : runtime.admitQueued(critical);
    if (refusal !== undefined) {
      runtime.onShed(operation, priority ?? 'critical', saturated ? 'event-loop' : 'queue-time');
      const after = runtime.retryAfterMs ?? 100;
      const trailers = new Metadata();
      trailers.set(RETRY_AFTER_KEY, String(after));
      finish(
        new RpcError(status.RESOURCE_EXHAUSTED, `overloaded (${refusal}), retry after ${after} ms`, trailers),
      );
      return;
    }
    const rawDeadline = call.getDeadline();
    const deadline = rawDeadline instanceof Date ? rawDeadline.getTime() : Number(rawDeadline);
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      // Already too late (it waited in a queue): no work for an answer nobody will read.
      finish(new RpcError(status.DEADLINE_EXCEEDED, `${operation} arrived past its deadline`));
      return;
    }
    let request: Req;
    try {
      request = deserialize(call.request);
    } catch (error) {
      finish(
        new RpcError(
          status.INVALID_ARGUMENT,
          `malformed request for ${operation}: ${new MalformedRequest(error).reason}`,
        ),
      );
      return;
    }
    if (validator !== undefined) {
      const problem = validate(validator, request);
      if (problem !== undefined) {
        finish(new RpcError(status.INVALID_ARGUMENT, `invalid ${operation} request: ${problem}`));
        return;
      }
    }
    const controller = new AbortController();
    runtime.inflight.add(controller);
    let settled = false;
    let cutAtDeadline = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (error: ServiceError | null, value?: Res): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      call.removeListener('cancelled', onCancel);
      runtime.inflight.delete(controller);
      finish(error, value);
    };
    const onCancel = (): void => {
      controller.abort(new RpcError(status.CANCELLED, 'cancelled by the client'));
      settle(new RpcError(status.CANCELLED, `${operation} cancelled by the client`));
    };
    call.on('cancelled', onCancel);
    if (Number.isFinite(deadline)) {
      timer = setTimeout(() => {
        cutAtDeadline = true;
        controller.abort(new TimeoutError(remaining, true));
        settle(new RpcError(status.DEADLINE_EXCEEDED, `${operation} cut at its deadline`));
      }, remaining);
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
      const value = await runWithRequestContext(
        {
          requestId,
          ...(trace === undefined ? {} : { traceId: trace.traceId, spanId: trace.spanId }),
          ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        },
        () => runWithCall(context, () => handler(request, context)),
      );
      // Work that outlived its deadline is a congestion signal for the limit, even if the handler finished.
      if (cutAtDeadline) throw new TimeoutError(remaining, true);
      return value;
    };
    const policy = runtime.faults.applies(path) ? runtime.withFaults : runtime.withoutFaults;
    policy.execute(run, { signal: controller.signal, priority: priority ?? 'critical' }).then(
      (value) => settle(null, value as Res),
      (error: unknown) => {
        if (isLoadShedError(error)) {
          runtime.onShed(operation, priority ?? 'critical', 'concurrency');
          const after = runtime.retryAfterMs ?? Math.ceil(error.retryAfterMs ?? 1);
          const trailers = new Metadata();
          trailers.set(RETRY_AFTER_KEY, String(after));
          settle(new RpcError(status.RESOURCE_EXHAUSTED, `overloaded, retry after ${after} ms`, trailers));
          return;
        }
        settle(toStatusError(error, operation));
      },
    );
  };
}
