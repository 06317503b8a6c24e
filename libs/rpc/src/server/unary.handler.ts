import {
  Metadata,
  type ServerUnaryCall,
  type ServiceError,
  type sendUnaryData,
  status,
  type UntypedHandleCall,
} from '@grpc/grpc-js';
import type { Context } from '@opentelemetry/api';
import { type RedMetrics, runWithRequestContext } from '@rebound/observability';
import {
  isLoadShedError,
  isTimeoutError,
  type LoadSheddingPolicy,
  LoadShedError,
  type Policy,
  type Priority,
  TimeoutError,
  wallClock,
} from '@rebound/resilience';
import { parsePriority, runWithCall } from '../common/call.context.ts';
import { codeName, RpcError, toStatusError } from '../common/status.error.ts';
import {
  IDEMPOTENCY_KEY,
  PRIORITY_KEY,
  REQUEST_ID_KEY,
  RETRY_AFTER_KEY,
  TRACEPARENT_KEY,
} from '../constants.ts';
import { endRpcSpan, methodTelemetry, runTraced, serverSpan, startServerSpan } from '../telemetry.ts';
import type { UnaryHandler } from './handler.context.ts';
import { IncomingCall } from './incoming.call.ts';
import { MalformedRequest, type Validator, validate } from './request.validation.ts';
import type { ServerFaults } from './server-faults.injector.ts';

/** How close to its deadline a cancelled call counts as cut by the deadline rather than by the client. */
const DEADLINE_SLACK_MS = 10;

/** Which admission step shed a call: the event-loop gate, queue-time admission or the concurrency limit. */
export type ShedReason = 'event-loop' | 'queue-time' | 'concurrency';

/** A call the server shed, as `RpcServer.onShed` reports it. */
export interface ServerShedEvent {
  /** `package.Service/Method`. */
  readonly operation: string;
  readonly priority: string;
  readonly reason: ShedReason;
}

export type { HandlerContext, UnaryHandler } from './handler.context.ts';

/** Server-wide machinery every wrapped handler shares. */
export interface HandlerRuntime {
  /** Admission (load shedding) then fault injection, around the handler of a method faults apply to. */
  readonly withFaults: Policy;
  /** Admission for every other method, by permit (undefined when shedding is off). */
  readonly shedder: LoadSheddingPolicy | undefined;
  readonly faults: ServerFaults;
  readonly metrics: RedMetrics | undefined;
  /** Fixed retry-after hint for shed calls; otherwise the shedder's (about when a slot frees up). */
  readonly retryAfterMs: number | undefined;
  /** The retry-after hint (ms) while the process's overload signal is tripped (shed all but critical-plus), else undefined. */
  overloaded(): number | undefined;
  /**
   * Queue-time admission: `undefined` to admit, or why the call is shed (calls keep waiting; this loop turn's
   * share is used up). `force` admits it anyway and counts it (critical-plus).
   */
  admitQueued(force: boolean): string | undefined;
  onShed(operation: string, priority: string, reason: ShedReason): void;
  /** In-flight calls, so a drain past its bound can cut them. */
  readonly inflight: Set<IncomingCall>;
}

function first(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

/** The answer to a shed call: RESOURCE_EXHAUSTED with the retry-after hint as a trailer, counted as shed. */
function shedAnswer(
  runtime: HandlerRuntime,
  operation: string,
  priority: Priority,
  reason: ShedReason,
  detail: string,
  retryAfterMs: number,
): ServiceError {
  runtime.onShed(operation, priority, reason);
  const after = runtime.retryAfterMs ?? retryAfterMs;
  const trailers = new Metadata();
  trailers.set(RETRY_AFTER_KEY, String(after));
  return new RpcError(status.RESOURCE_EXHAUSTED, `overloaded${detail}, retry after ${after} ms`, trailers);
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
  const telemetry = methodTelemetry(path);
  return (call: ServerUnaryCall<Buffer, Res>, callback: sendUnaryData<Res>) => {
    const started = performance.now();
    // The server span's context, once the call is past admission on its headers (undefined: tracing off).
    let traced: Context | undefined;
    const finish = (error: ServiceError | null, value?: Res): void => {
      const outcome = error === null ? 'OK' : codeName(error.code);
      runtime.metrics?.observe(operation, outcome, (performance.now() - started) / 1000);
      if (traced !== undefined) {
        endRpcSpan(serverSpan(traced), 'server', error === null ? status.OK : error.code, error?.details);
      }
      if (error === null) callback(null, value);
      else callback(error);
    };
    const metadata = call.metadata;
    const priority = parsePriority(first(metadata, PRIORITY_KEY));
    const admittedAs = priority ?? 'critical';
    // Admission first, on headers only: a shed call costs no decoding, validation or allocation beyond its answer.
    const critical = priority === 'critical-plus';
    const overloadedFor = critical ? undefined : runtime.overloaded();
    if (overloadedFor !== undefined) {
      finish(
        shedAnswer(runtime, operation, admittedAs, 'event-loop', ' (event loop overloaded)', overloadedFor),
      );
      return;
    }
    const refusal = runtime.admitQueued(critical);
    if (refusal !== undefined) {
      finish(shedAnswer(runtime, operation, admittedAs, 'queue-time', ` (${refusal})`, 100));
      return;
    }
    // Calls shed on their headers get no span: shedding stays cheap, and the caller's client span shows the answer.
    traced = startServerSpan(telemetry, metadata);
    const rawDeadline = call.getDeadline();
    const deadline = rawDeadline instanceof Date ? rawDeadline.getTime() : Number(rawDeadline);
    const remaining = deadline - wallClock.now();
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
    const incoming = new IncomingCall(
      path,
      metadata,
      deadline,
      priority,
      first(metadata, REQUEST_ID_KEY),
      first(metadata, TRACEPARENT_KEY),
      first(metadata, IDEMPOTENCY_KEY),
    );
    const faulted = runtime.faults.applies(path);
    const permit = faulted ? undefined : runtime.shedder?.acquire(admittedAs);
    if (permit instanceof LoadShedError) {
      finish(
        shedAnswer(runtime, operation, admittedAs, 'concurrency', '', Math.ceil(permit.retryAfterMs ?? 1)),
      );
      return;
    }
    runtime.inflight.add(incoming);
    let settled = false;
    let cutAtDeadline = false;
    const settle = (error: ServiceError | null, value?: Res): void => {
      if (settled) return;
      settled = true;
      call.removeListener('cancelled', onCancel);
      runtime.inflight.delete(incoming);
      finish(error, value);
    };
    // grpc-js answers DEADLINE_EXCEEDED itself when the deadline passes and then reports the call cancelled, as it
    // does when the client cancels: one event, told apart by the clock, and no timer of our own per call. The
    // client's own deadline timer usually wins by the transit time (its RST_STREAM arrives just before ours fires),
    // so a cancel that close to the deadline is the deadline too.
    const onCancel = (): void => {
      if (wallClock.now() >= deadline - DEADLINE_SLACK_MS) {
        cutAtDeadline = true;
        incoming.abort(new TimeoutError(remaining, true));
        settle(new RpcError(status.DEADLINE_EXCEEDED, `${operation} cut at its deadline`));
      } else {
        incoming.abort(new RpcError(status.CANCELLED, 'cancelled by the client'));
        settle(new RpcError(status.CANCELLED, `${operation} cancelled by the client`));
      }
    };
    call.on('cancelled', onCancel);
    const handle = (): Res | Promise<Res> =>
      runTraced(traced, () =>
        runWithRequestContext(incoming, () => runWithCall(incoming, () => handler(request, incoming))),
      );
    if (faulted) {
      const run = async (): Promise<Res> => {
        const value = await handle();
        // Work that outlived its deadline is a congestion signal for the limit, even if the handler finished.
        if (cutAtDeadline) throw new TimeoutError(remaining, true);
        return value;
      };
      runtime.withFaults.execute(run, { signal: incoming.signal, priority: admittedAs }).then(
        (value) => settle(null, value as Res),
        (error: unknown) =>
          settle(
            isLoadShedError(error)
              ? shedAnswer(
                  runtime,
                  operation,
                  admittedAs,
                  'concurrency',
                  '',
                  Math.ceil(error.retryAfterMs ?? 1),
                )
              : toStatusError(error, operation),
          ),
      );
      return;
    }
    // The common path: admission by permit, the handler called directly (no pipeline, no promise when it answers
    // at once). The limit learns from successes and from work that outlived its deadline; a call the client
    // cancelled or that failed for another reason says nothing about congestion.
    const succeed = (value: Res): void => {
      permit?.release(cutAtDeadline ? 'drop' : 'success');
      settle(null, value);
    };
    const fail = (error: unknown): void => {
      permit?.release(cutAtDeadline || (isTimeoutError(error) && !incoming.aborted) ? 'drop' : 'ignore');
      settle(toStatusError(error, operation));
    };
    let result: Res | Promise<Res>;
    try {
      result = handle();
    } catch (error) {
      fail(error);
      return;
    }
    if (result instanceof Promise) result.then(succeed, fail);
    else succeed(result);
  };
}
