import { Client, type ClientOptions, credentials, Metadata, status } from '@grpc/grpc-js';
import { currentRequestContext, type RedMetrics } from '@rebound/observability';
import { DEFAULT_CLIENT_DEADLINE_MS } from '../constants.ts';
import { currentCall } from './call-context.ts';
import { type GrpcCallError, isGrpcCallError } from './rpc.error.ts';

/** A unary method of a ts-proto grpc-js service definition, seen from the client. */
interface ClientMethodDefinition<Req, Res> {
  readonly path: string;
  requestSerialize(value: Req): Buffer;
  responseDeserialize(bytes: Buffer): Res;
}

// biome-ignore lint/suspicious/noExplicitAny: generic over every generated message type
type DefinitionLike = Record<string, ClientMethodDefinition<any, any>>;

export interface CallOptions {
  /** Relative deadline; never later than the incoming call's deadline. */
  readonly deadlineMs?: number;
  /** Sent as `idempotency-key` metadata. */
  readonly idempotencyKey?: string;
}

/** `client.reserve(request, options)` → the response, or a grpc-js error (`code`, `details`). */
export type RpcClient<D extends DefinitionLike> = {
  [K in keyof D]: D[K] extends ClientMethodDefinition<infer Req, infer Res>
    ? (request: Req, options?: CallOptions) => Promise<Res>
    : never;
} & { close(): void };

export interface MethodPolicy {
  /** Only idempotent methods are retried, and only on UNAVAILABLE / RESOURCE_EXHAUSTED. */
  readonly idempotent: boolean;
  /** Attempts in all, including the first (default 3 for idempotent methods). */
  readonly maxAttempts?: number;
}

export interface RpcClientOptions<D extends DefinitionLike> {
  /** `host:port` of every replica; balanced round robin by grpc-js. */
  readonly addresses: readonly string[];
  readonly definition: D;
  /** Per method (by definition key); default: not idempotent. */
  readonly methods?: Partial<Record<keyof D, MethodPolicy>>;
  readonly defaultDeadlineMs?: number;
  readonly metrics?: RedMetrics;
  readonly random?: () => number;
}

const RETRYABLE = new Set<number>([status.UNAVAILABLE, status.RESOURCE_EXHAUSTED]);

/** A target that lets grpc-js balance over every replica (ipv4:a,b); hostnames fall back to DNS. */
export function targetOf(addresses: readonly string[]): string {
  if (addresses.length === 0) throw new Error('no addresses to call');
  if (addresses.every((address) => /^\d+\.\d+\.\d+\.\d+:\d+$/.test(address)))
    return `ipv4:${addresses.join(',')}`;
  return addresses.length === 1 ? `dns:${addresses[0]}` : `dns:${addresses[0]}`;
}

/**
 * A promise-based gRPC client: round robin over every replica, a deadline on every call (the incoming call's
 * deadline caps it), request id and idempotency key propagated as metadata, and jittered retries for methods
 * declared idempotent. Until `@rebound/rpc` lands this is the services' client.
 */
export function createRpcClient<D extends DefinitionLike>(options: RpcClientOptions<D>): RpcClient<D> {
  const channelOptions: Partial<ClientOptions> = {
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    'grpc.enable_retries': 0,
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 1_000,
  };
  const client = new Client(targetOf(options.addresses), credentials.createInsecure(), channelOptions);
  const random = options.random ?? Math.random;
  const result: Record<string, unknown> = { close: () => client.close() };
  for (const [key, method] of Object.entries(options.definition)) {
    const policy: MethodPolicy = options.methods?.[key as keyof D] ?? { idempotent: false };
    const attempts = policy.idempotent ? (policy.maxAttempts ?? 3) : 1;
    result[key] = async (request: unknown, callOptions: CallOptions = {}) => {
      const incoming = currentCall();
      const relative = callOptions.deadlineMs ?? options.defaultDeadlineMs ?? DEFAULT_CLIENT_DEADLINE_MS;
      const deadline = Math.min(Date.now() + relative, incoming?.deadline ?? Number.POSITIVE_INFINITY);
      const metadata = new Metadata();
      const requestId = currentRequestContext()?.requestId ?? incoming?.requestId;
      if (requestId) metadata.set('x-request-id', requestId);
      if (callOptions.idempotencyKey) metadata.set('idempotency-key', callOptions.idempotencyKey);
      for (let attempt = 1; ; attempt++) {
        const started = performance.now();
        try {
          const response = await new Promise<unknown>((resolve, reject) =>
            client.makeUnaryRequest(
              method.path,
              (value: unknown) => method.requestSerialize(value),
              (bytes: Buffer) => method.responseDeserialize(bytes),
              request,
              metadata,
              { deadline },
              (error, value) => (error ? reject(error) : resolve(value)),
            ),
          );
          options.metrics?.observe(method.path, 'OK', (performance.now() - started) / 1000);
          return response;
        } catch (error) {
          const code = isGrpcCallError(error) ? (error as GrpcCallError).code : status.UNKNOWN;
          options.metrics?.observe(
            method.path,
            status[code] ?? 'UNKNOWN',
            (performance.now() - started) / 1000,
          );
          const backoff = 25 * 2 ** attempt * (0.5 + random());
          if (attempt >= attempts || !RETRYABLE.has(code) || Date.now() + backoff >= deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, backoff));
        }
      }
    };
  }
  return result as RpcClient<D>;
}
