import {
  type ChannelCredentials,
  type ChannelOptions,
  type ClientUnaryCall,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import type { Context } from '@opentelemetry/api';
import { currentRequestContext, type RedMetrics, type ResilienceMetrics } from '@rebound/observability';
import {
  type Clock,
  type ExecuteOptions,
  type ExecutionContext,
  type Priority,
  type Random,
  RetryBudget,
  type RetryBudgetOptions,
  systemClock,
  type TimerHandle,
  wallClock,
} from '@rebound/resilience';
import { currentCall } from '../common/call.context.ts';
import { codeName, RpcError, retryAfterMs, toStatusError } from '../common/status.error.ts';
import {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_DNS_REFRESH_MS,
  IDEMPOTENCY_KEY,
  PRIORITY_KEY,
  REQUEST_ID_KEY,
  TRACEPARENT_KEY,
} from '../constants.ts';
import { callerContext, endRpcSpan, injectTraceIds, methodTelemetry, startClientSpan } from '../telemetry.ts';
import type { Endpoint } from './endpoint.pool.ts';
import { EndpointPool } from './endpoint.pool.ts';
import { type LinkFaultMode, type LinkFaults, peerName } from './link-faults.state.ts';
import {
  buildMethodPolicies,
  isServerFailure,
  type MethodConfig,
  type MethodPolicies,
} from './method-policy.factory.ts';
import { type OutlierDetectionOptions, OutlierDetector } from './outlier.detector.ts';
import { resolverFor, type Target } from './target.resolver.ts';

/** A unary method as ts-proto's `outputServices=grpc-js` (and `@grpc/proto-loader`) describe it. */
export interface UnaryMethodDefinition<Req, Res> {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly requestSerialize: (value: Req) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => Res;
}

// biome-ignore lint/suspicious/noExplicitAny: a service definition maps names to methods of any message types.
export type ServiceDefinitionLike = { readonly [method: string]: UnaryMethodDefinition<any, any> };

export interface CallOptions {
  /** Absolute deadline in epoch ms; the incoming call's deadline and the method's `timeoutMs` can shorten it. */
  readonly deadline?: number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Sent as `idempotency-key` (otherwise the request context's key, if any, is propagated). */
  readonly idempotencyKey?: string;
  readonly priority?: Priority;
  /** Extra metadata for this call. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** One promise-returning function per method of the service. */
export type RpcClient<D extends ServiceDefinitionLike> = {
  readonly [K in keyof D]: D[K] extends UnaryMethodDefinition<infer Req, infer Res>
    ? (request: Req, options?: CallOptions) => Promise<Res>
    : never;
};

export interface RpcClientOptions<D extends ServiceDefinitionLike> {
  /** `['127.0.0.1:50051', …]`, `'127.0.0.1:50051,127.0.0.1:50052'` or `'dns:///catalog:50051'`. */
  readonly target: Target;
  /** Per-method resilience, keyed as the definition is (`getProduct`). */
  readonly methods?: { readonly [K in keyof D]?: MethodConfig };
  /** Applied to methods missing from `methods`. Defaults to non-idempotent with a breaker. */
  readonly defaults?: MethodConfig;
  /** The retry budget shared by every method (pass one instance to share it between clients too). */
  readonly budget?: RetryBudget | RetryBudgetOptions;
  readonly outlierDetection?: Omit<OutlierDetectionOptions, 'clock'>;
  /** RED metrics (`createRedMetrics(registry, 'rpc_client')`), observed once per call with the final status. */
  readonly metrics?: RedMetrics;
  /** Resilience decisions (retries, budget, breaker, ejections) as `rebound_resilience_*` series. */
  readonly resilienceMetrics?: ResilienceMetrics;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly credentials?: ChannelCredentials;
  readonly channelOptions?: ChannelOptions;
  /** How often a `dns:///` target is resolved again. */
  readonly dnsRefreshMs?: number;
  /** The process's partition switches (checked before each attempt, keyed by `peer` and the replica picked). */
  readonly linkFaults?: LinkFaults;
  /** The peer's name for `linkFaults`; default from the service's package (`rebound.payments.v1…` → `payments`). */
  readonly peer?: string;
}

/** The client's machinery, for tests, metrics and shutdown. */
export interface RpcClientHandle {
  readonly pool: EndpointPool;
  readonly budget: RetryBudget;
  /** The policies of each method, built at creation. */
  readonly policies: ReadonlyMap<string, MethodPolicies>;
  /** Resolves once the target's addresses are known (at once for a static list). */
  readonly ready: Promise<void>;
  close(): void;
}

/** A client's view of the process's link faults: the switches and the peer's name they are keyed by. */
interface LinkSwitch {
  readonly faults: LinkFaults;
  readonly peer: string;
}

class CallState {
  /** The replica of the first attempt; `tried` holds every replica used once there is more than one attempt. */
  first: Endpoint | undefined = undefined;
  tried: Set<Endpoint> | undefined = undefined;
  readonly metadata: Metadata;
  readonly watchSignal: boolean;
  /** Where the call was made, the parent of each attempt's client span (undefined: tracing off). */
  readonly traceParent: Context | undefined;

  constructor(metadata: Metadata, watchSignal: boolean, traceParent: Context | undefined) {
    this.metadata = metadata;
    this.watchSignal = watchSignal;
    this.traceParent = traceParent;
  }
}

/** The call's metadata; the trace context only when tracing is off (on, each attempt's span writes its own). */
function buildMetadata(options: CallOptions | undefined, traced: boolean): Metadata {
  const metadata = new Metadata();
  const incoming = currentCall();
  const request = currentRequestContext();
  const requestId = incoming?.requestId ?? request?.requestId;
  if (requestId !== undefined) metadata.set(REQUEST_ID_KEY, requestId);
  if (!traced) {
    // Passed on as it came, so that log lines still join across services without an SDK.
    if (incoming?.traceparent !== undefined) metadata.set(TRACEPARENT_KEY, incoming.traceparent);
    else if (request?.traceId !== undefined && request.spanId !== undefined)
      injectTraceIds(metadata, request.traceId, request.spanId);
  }
  const key = options?.idempotencyKey ?? incoming?.idempotencyKey ?? request?.idempotencyKey;
  if (key !== undefined) metadata.set(IDEMPOTENCY_KEY, key);
  const priority = options?.priority ?? incoming?.priority;
  if (priority !== undefined) metadata.set(PRIORITY_KEY, priority);
  if (options?.metadata !== undefined) {
    for (const [k, v] of Object.entries(options.metadata)) metadata.set(k, v);
  }
  return metadata;
}

/**
 * A client for one service over every replica of `target`: one channel per address, round robin over the healthy
 * ones with outlier ejection, and per method a resilience pipeline (retry within the shared budget on another
 * replica for idempotent methods, circuit breaker) under one deadline that is taken from the incoming call and
 * put on the wire. Every failure surfaces as a gRPC status error (`code`, `details`, `metadata`).
 */
export function createRpcClient<D extends ServiceDefinitionLike>(
  definition: D,
  options: RpcClientOptions<D>,
): RpcClient<D> & { readonly $rpc: RpcClientHandle } {
  const clock = options.clock ?? systemClock;
  const budget =
    options.budget instanceof RetryBudget ? options.budget : new RetryBudget({ clock, ...options.budget });
  const resolver = resolverFor(options.target);
  const detector = new OutlierDetector({ ...options.outlierDetection, clock });
  const pool = new EndpointPool({
    resolver,
    detector,
    clock,
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    ...(options.channelOptions === undefined ? {} : { channelOptions: options.channelOptions }),
  });
  let timer: NodeJS.Timeout | undefined;
  let ready: Promise<void>;
  if (resolver.dynamic) {
    // A name that does not resolve yet (a headless Service whose pods are not ready answers NXDOMAIN) must not
    // reject unobserved and end the process: calls fail UNAVAILABLE ("no address known") until a refresh finds one.
    ready = pool.refresh().catch(() => undefined);
    timer = setInterval(
      () => void pool.refresh().catch(() => undefined),
      options.dnsRefreshMs ?? resolver.refreshMs ?? DEFAULT_DNS_REFRESH_MS,
    );
    timer.unref();
  } else {
    ready = pool.refresh();
  }
  const rm = options.resilienceMetrics;
  if (rm !== undefined) {
    const service = Object.values(definition)[0]?.path.split('/')[1] ?? 'unknown';
    // A budget handed in is shared: whoever created it binds it, so it is not counted twice.
    if (!(options.budget instanceof RetryBudget))
      rm.bindBudget(budget, { policy: 'rpc_client', target: service });
    detector.onEject((e) =>
      rm.count('ejections', { policy: 'rpc_client', target: `${service}@${e.address}`, reason: e.reason }),
    );
  }
  const policies = new Map<string, MethodPolicies>();
  const client: Record<string, unknown> = {};
  const firstPath = Object.values(definition)[0]?.path ?? '/unknown/unknown';
  const links: LinkSwitch | undefined =
    options.linkFaults === undefined
      ? undefined
      : { faults: options.linkFaults, peer: options.peer ?? peerName(firstPath) };
  links?.faults.register(links.peer);
  for (const [name, method] of Object.entries(definition)) {
    if (method.requestStream || method.responseStream) continue;
    const config = options.methods?.[name as keyof D] ?? options.defaults ?? {};
    // A hedge has somewhere new to go when two replicas are fit (one holds the attempt in flight).
    const canHedge = () => pool.fitCount() >= 2;
    const built = buildMethodPolicies(config, { budget, clock, random: options.random, canHedge });
    policies.set(name, built);
    const rm = options.resilienceMetrics;
    if (rm !== undefined) {
      const labels = { policy: 'rpc_client', target: method.path.slice(1) };
      if (built.retry !== undefined) rm.bindRetry(built.retry, labels);
      if (built.breaker !== undefined) rm.bindBreaker(built.breaker, labels);
      if (built.hedging !== undefined) rm.bindHedging(built.hedging, labels);
    }
    client[name] = makeCall(method, built, pool, clock, options.metrics, ready, links);
  }
  const handle: RpcClientHandle = {
    pool,
    budget,
    policies,
    ready,
    close() {
      if (timer !== undefined) clearInterval(timer);
      pool.close();
    },
  };
  client.$rpc = handle;
  return client as RpcClient<D> & { readonly $rpc: RpcClientHandle };
}

function makeCall<Req, Res>(
  method: UnaryMethodDefinition<Req, Res>,
  policies: MethodPolicies,
  pool: EndpointPool,
  clock: Clock,
  metrics: RedMetrics | undefined,
  ready: Promise<void>,
  links: LinkSwitch | undefined,
): (request: Req, options?: CallOptions) => Promise<Res> {
  const path = method.path;
  const operation = path.slice(1);
  const serialize = method.requestSerialize;
  const deserialize = method.responseDeserialize;
  const telemetry = methodTelemetry(path);

  const attempt = (request: Req, context: ExecutionContext, state: CallState): Promise<Res> => {
    // A retry or a hedge goes to a replica this call has not used yet, when there is one.
    if (state.first !== undefined) state.tried ??= new Set([state.first]);
    const endpoint = pool.pick(state.tried);
    if (endpoint === undefined) {
      return Promise.reject(new RpcError(status.UNAVAILABLE, `no address known for ${operation}`));
    }
    if (state.tried !== undefined) state.tried.add(endpoint);
    else state.first = endpoint;
    const wait = endpoint.backoffUntil - clock.now();
    if (wait > 0) {
      // Every replica asked to be left alone for a while (RESOURCE_EXHAUSTED + retry-after): honour the hint
      // when the deadline allows it, otherwise give up now rather than add load the server just refused.
      if (wait >= context.remaining()) {
        return Promise.reject(
          new RpcError(
            status.RESOURCE_EXHAUSTED,
            `${operation}: every replica is shedding, retry after ${Math.ceil(wait)} ms`,
          ),
        );
      }
      return new Promise<void>((resolve) => clock.setTimer(resolve, wait)).then(() =>
        send(endpoint, request, context, state),
      );
    }
    return send(endpoint, request, context, state);
  };

  // A partitioned link: the attempt never reaches the wire, and ends as a real one would (refused at once, or
  // silent until its deadline or cancel), counted against the replica like any failure of that kind.
  const partitioned = (
    endpoint: Endpoint,
    context: ExecutionContext,
    mode: LinkFaultMode,
    { faults, peer }: LinkSwitch,
  ): Promise<Res> => {
    faults.injected({ target: peer, replica: endpoint.address, mode, operation });
    const where = `${peer} at ${endpoint.address}`;
    if (mode === 'refuse') {
      pool.record(endpoint, true);
      return Promise.reject(
        new RpcError(status.UNAVAILABLE, `${operation}: link to ${where} refused (injected fault)`),
      );
    }
    return new Promise<Res>((_resolve, reject) => {
      const signal = context.signal;
      let timer: TimerHandle | undefined;
      const end = (code: status, details: string): void => {
        timer?.cancel();
        signal.removeEventListener('abort', cancelled);
        pool.record(endpoint, isServerFailure(code));
        reject(new RpcError(code, details));
      };
      const cancelled = (): void =>
        end(status.CANCELLED, `${operation}: cancelled while the link to ${where} is blackholed`);
      if (signal.aborted) {
        cancelled();
        return;
      }
      signal.addEventListener('abort', cancelled, { once: true });
      const remaining = context.remaining();
      if (remaining !== Number.POSITIVE_INFINITY) {
        timer = clock.setTimer(
          () =>
            end(
              status.DEADLINE_EXCEEDED,
              `${operation}: deadline exceeded, link to ${where} blackholed (injected fault)`,
            ),
          remaining,
        );
      }
    });
  };

  const send = (
    endpoint: Endpoint,
    request: Req,
    context: ExecutionContext,
    state: CallState,
  ): Promise<Res> => {
    const fault = links?.faults.match(links.peer, endpoint.address);
    if (fault !== undefined) return partitioned(endpoint, context, fault, links as LinkSwitch);
    const remaining = context.remaining();
    const deadline =
      remaining === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : wallClock.now() + remaining;
    const signal = state.watchSignal ? context.signal : undefined;
    // One client span per attempt (each is a request on the wire), a child of where the call was made: a retry
    // runs from a timer, whose context is not the caller's.
    const span =
      state.traceParent === undefined
        ? undefined
        : startClientSpan(telemetry, state.traceParent, state.metadata);
    return new Promise<Res>((resolve, reject) => {
      // grpc-js captures the caller's stack on every call (a `new Error()` in makeUnaryRequest) to append it to a
      // failure's stack. From here those frames are this pipeline's, never the caller's code (it is more than
      // the ten frames deep V8 keeps), and the capture was the dearest step of a call in the client's profile.
      const stackTraceLimit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      let call: ClientUnaryCall;
      try {
        call = endpoint.client.makeUnaryRequest<Req, Res>(
          path,
          serialize,
          deserialize,
          request,
          state.metadata,
          { deadline },
          (error: ServiceError | null, value?: Res) => {
            signal?.removeEventListener('abort', cancel);
            endRpcSpan(
              span,
              'client',
              error === null ? status.OK : error.code,
              error?.details,
              signal?.aborted === true,
            );
            if (error !== null) {
              pool.record(endpoint, isServerFailure(error.code));
              if (error.code === status.RESOURCE_EXHAUSTED) {
                const after = retryAfterMs(error);
                if (after !== undefined) endpoint.backoffUntil = clock.now() + after;
              }
              reject(error);
            } else {
              pool.record(endpoint, false);
              resolve(value as Res);
            }
          },
        );
      } catch (error) {
        endRpcSpan(span, 'client', status.INTERNAL, String(error));
        throw error;
      } finally {
        Error.stackTraceLimit = stackTraceLimit;
      }
      const cancel = (): void => call.cancel();
      if (signal !== undefined) {
        if (signal.aborted) call.cancel();
        else signal.addEventListener('abort', cancel, { once: true });
      }
    });
  };

  const call = (request: Req, options: CallOptions | undefined): Promise<Res> => {
    const started = performance.now();
    const incoming = currentCall();
    const nowEpoch = wallClock.now();
    let deadlineEpoch = options?.deadline ?? Number.POSITIVE_INFINITY;
    if (incoming !== undefined && incoming.deadline < deadlineEpoch) deadlineEpoch = incoming.deadline;
    const timeoutMs = options?.timeoutMs ?? policies.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    if (nowEpoch + timeoutMs < deadlineEpoch) deadlineEpoch = nowEpoch + timeoutMs;
    const signal = options?.signal ?? incoming?.signal;
    const parent = callerContext();
    // Hedging cancels the losing attempt through its own signal, so every attempt watches one.
    const watch = signal !== undefined || policies.hedging !== undefined;
    const state = new CallState(buildMetadata(options, parent !== undefined), watch, parent);
    const execute: ExecuteOptions = {
      deadline: clock.now() + (deadlineEpoch - nowEpoch),
      signal,
      idempotent: policies.idempotent,
      priority: options?.priority ?? incoming?.priority,
    };
    return policies.pipeline
      .execute((context) => attempt(request, context, state), execute)
      .then(
        (result) => {
          metrics?.observe(operation, 'OK', (performance.now() - started) / 1000);
          return result as Res;
        },
        (error: unknown) => {
          const statusError = toStatusError(error, operation);
          metrics?.observe(operation, codeName(statusError.code), (performance.now() - started) / 1000);
          throw statusError;
        },
      );
  };
  // Not async (an async wrapper costs a promise and a resumption per call), yet it never throws synchronously:
  // bad metadata in `options` rejects like any other failure.
  const invoke = (request: Req, options?: CallOptions): Promise<Res> => {
    if (pool.endpoints.length === 0) return ready.then(() => call(request, options));
    try {
      return call(request, options);
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return invoke;
}
