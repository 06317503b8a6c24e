import { randomUUID } from 'node:crypto';
import {
  type Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { ShutdownCoordinator } from '@rebound/health';
import { type Logger, type RedMetrics, runWithRequestContext } from '@rebound/observability';
import { HealthImplementation } from 'grpc-health-check';
import type { FaultInjector } from '../faults/fault-injector.ts';
import { type CallContext, runInCall } from './call-context.ts';
import { isGrpcCallError, isRpcError } from './rpc.error.ts';

/** A unary method of a ts-proto grpc-js service definition. */
export interface UnaryMethodDefinition<Req, Res> {
  readonly path: string;
  readonly requestStream: false;
  readonly responseStream: false;
  requestDeserialize(bytes: Buffer): Req;
  responseSerialize(value: Res): Buffer;
}

// biome-ignore lint/suspicious/noExplicitAny: generic over every generated message type
export type ServiceDefinitionLike = Record<string, UnaryMethodDefinition<any, any>>;

/** One async function per method: `(request, context) => response`; throw `RpcError` for a status. */
export type RpcHandlers<D extends ServiceDefinitionLike> = {
  [K in keyof D]: D[K] extends UnaryMethodDefinition<infer Req, infer Res>
    ? (request: Req, context: CallContext) => Promise<Res>
    : never;
};

export interface GrpcServerHostOptions {
  readonly logger: Logger;
  readonly metrics: RedMetrics;
  readonly faults: FaultInjector;
  readonly shutdown: ShutdownCoordinator;
}

function first(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function deadlineOf(call: ServerUnaryCall<unknown, unknown>): number {
  const deadline = call.getDeadline();
  if (deadline instanceof Date) return deadline.getTime();
  return Number.isFinite(deadline) ? Number(deadline) : Number.POSITIVE_INFINITY;
}

/**
 * A grpc-js server whose every unary call goes through the same steps: in-flight tracking (for drain),
 * request context (request id, idempotency key), injected faults, deadline enforcement, the handler, error
 * mapping (RpcError → its code, unknown errors → INTERNAL without leaking details) and RED metrics.
 * Serves `grpc.health.v1` (SERVING until drain).
 */
export class GrpcServerHost {
  readonly #server = new Server({ 'grpc.max_receive_message_length': 4 * 1024 * 1024 });
  readonly #health = new HealthImplementation({ '': 'NOT_SERVING' });
  readonly #options: GrpcServerHostOptions;
  readonly #services: string[] = [];

  constructor(options: GrpcServerHostOptions) {
    this.#options = options;
    this.#health.addToServer(this.#server);
  }

  addService<D extends ServiceDefinitionLike>(definition: D, handlers: RpcHandlers<D>, name: string): void {
    const implementation: UntypedServiceImplementation = {};
    for (const [key, method] of Object.entries(definition)) {
      const handler = (
        handlers as Record<string, (request: unknown, context: CallContext) => Promise<unknown>>
      )[key];
      if (typeof handler !== 'function') throw new Error(`${name}: no handler for ${method.path}`);
      implementation[key] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) =>
        void this.#serve(method.path, call, callback, handler);
    }
    // biome-ignore lint/suspicious/noExplicitAny: grpc-js types service definitions loosely
    this.#server.addService(definition as any, implementation);
    this.#services.push(name);
  }

  async listen(host: string, port: number): Promise<number> {
    const bound = await new Promise<number>((resolve, reject) =>
      this.#server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, actual) =>
        error ? reject(error) : resolve(actual),
      ),
    );
    this.#health.setStatus('', 'SERVING');
    for (const name of this.#services) this.#health.setStatus(name, 'SERVING');
    return bound;
  }

  /** Stops taking new calls and resolves once the running ones have finished. */
  drain(): Promise<void> {
    this.#health.setStatus('', 'NOT_SERVING');
    for (const name of this.#services) this.#health.setStatus(name, 'NOT_SERVING');
    return new Promise((resolve) => this.#server.tryShutdown(() => resolve()));
  }

  forceClose(): void {
    this.#server.forceShutdown();
  }

  async #serve(
    path: string,
    call: ServerUnaryCall<unknown, unknown>,
    callback: sendUnaryData<unknown>,
    handler: (request: unknown, context: CallContext) => Promise<unknown>,
  ): Promise<void> {
    const { faults, metrics, logger, shutdown } = this.#options;
    const started = performance.now();
    const end = shutdown.inflight.begin();
    const controller = new AbortController();
    const deadline = deadlineOf(call);
    let timer: NodeJS.Timeout | undefined;
    if (Number.isFinite(deadline)) {
      timer = setTimeout(
        () => controller.abort(new Error('deadline exceeded')),
        Math.max(0, deadline - Date.now()),
      );
    }
    call.once('cancelled', () => controller.abort(new Error('cancelled by the caller')));
    const requestId = first(call.metadata, 'x-request-id') ?? randomUUID();
    const idempotencyKey = first(call.metadata, 'idempotency-key');
    const context: CallContext = {
      method: path,
      metadata: call.metadata,
      deadline,
      signal: controller.signal,
      requestId,
      ...(idempotencyKey && { idempotencyKey }),
    };
    let code: status = status.OK;
    try {
      const response = await runWithRequestContext(
        { requestId, ...(idempotencyKey && { idempotencyKey }) },
        () =>
          runInCall(context, async () => {
            if (controller.signal.aborted)
              throw Object.assign(new Error('deadline exceeded'), { code: status.DEADLINE_EXCEEDED });
            await faults.beforeCall(controller.signal);
            return handler(call.request, context);
          }),
      );
      if (controller.signal.aborted && Date.now() >= deadline) {
        code = status.DEADLINE_EXCEEDED;
        callback({ code, details: 'deadline exceeded while the call was served' });
      } else {
        callback(null, response);
      }
    } catch (error) {
      let details: string;
      if (isRpcError(error)) {
        code = error.code;
        details = error.message;
      } else if (isGrpcCallError(error)) {
        // a downstream failure we did not translate: keep UNAVAILABLE/DEADLINE_EXCEEDED, hide the rest
        code =
          error.code === status.DEADLINE_EXCEEDED || error.code === status.UNAVAILABLE
            ? error.code
            : status.INTERNAL;
        details = `downstream call failed: ${error.details}`;
      } else if ((error as { code?: unknown })?.code === status.DEADLINE_EXCEEDED) {
        code = status.DEADLINE_EXCEEDED;
        details = 'deadline exceeded before the call started';
      } else if ((error as { name?: unknown })?.name === 'DatabaseUnavailableError') {
        code = status.UNAVAILABLE;
        details = 'database unavailable';
        logger.error({ err: error, method: path }, 'database unavailable');
      } else {
        code = status.INTERNAL;
        details = 'internal error';
        logger.error({ err: error, method: path, requestId }, 'handler failed');
      }
      if (controller.signal.aborted && Date.now() >= deadline) code = status.DEADLINE_EXCEEDED;
      callback({ code, details });
    } finally {
      clearTimeout(timer);
      end();
      metrics.observe(path, status[code] ?? String(code), (performance.now() - started) / 1000);
    }
  }
}
