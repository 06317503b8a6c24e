import {
  type ChannelOptions,
  ServerCredentials as Creds,
  Server,
  type ServerCredentials,
} from '@grpc/grpc-js';
import type { RedMetrics, ResilienceMetrics } from '@rebound/observability';
import {
  type Clock,
  type Event,
  EventEmitter,
  type LoadSheddingOptions,
  LoadSheddingPolicy,
  loadShedding,
  Pipeline,
  type Policy,
  type Random,
  systemClock,
  systemRandom,
} from '@rebound/resilience';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import {
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTION_AGE_GRACE_MS,
  DEFAULT_MAX_CONNECTION_AGE_MS,
  DEFAULT_OVERLOAD_HOLD_MS,
} from '../constants.ts';
import { LoopLagMonitor } from './loop-lag.monitor.ts';
import type { Validator } from './request.validation.ts';
import { ServerFaults } from './server-faults.injector.ts';
import { TurnAdmission, type TurnAdmissionOptions } from './turn.admission.ts';
import { type HandlerRuntime, type ServerShedEvent, type UnaryHandler, wrapUnary } from './unary.handler.ts';
import { WindowedVegasLimit } from './windowed-vegas.limit.ts';

/** A unary method as the generated service definitions describe it, from the server's side. */
export interface ServerMethodDefinition<Req, Res> {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly requestDeserialize: (bytes: Buffer) => Req;
  readonly responseSerialize: (value: Res) => Buffer;
}

// biome-ignore lint/suspicious/noExplicitAny: a service definition maps names to methods of any message types.
export type ServerServiceDefinition = { readonly [method: string]: ServerMethodDefinition<any, any> };

export type ServiceHandlers<D extends ServerServiceDefinition> = {
  readonly [K in keyof D]: D[K] extends ServerMethodDefinition<infer Req, infer Res>
    ? UnaryHandler<Req, Res>
    : never;
};

export interface AddServiceOptions<D extends ServerServiceDefinition> {
  /** A validator per method: a zod schema or a function returning an error message. */
  readonly validators?: { readonly [K in keyof D]?: Validator };
}

export interface RpcServerOptions {
  /**
   * Admission control before work starts: `@rebound/resilience`'s load-shedding policy (an instance, or its
   * options: `{ limit: aimdLimit({...}) }`), or `false` to turn shedding off. Defaults to load shedding with the
   * {@link WindowedVegasLimit} algorithm and resilience's priority shares.
   */
  readonly limit?: false | LoadSheddingPolicy | LoadSheddingOptions;
  /**
   * The process's overload signal (`@rebound/health`'s `OverloadSignal`, which service-defaults creates once per
   * process): while it says overloaded, every call but `critical-plus` is shed on its headers with its
   * `retryAfterMs` hint. None by default: a process that hosts clients and servers together (tests, a gateway)
   * would shed its own work.
   */
  readonly overload?: OverloadSource;
  /**
   * Queue-time admission (on by default unless `limit` is `false`): each call's wait before this process could
   * handle it (in the socket while the event loop was busy, see {@link LoopLagMonitor}) drives a cap on the calls
   * admitted per event-loop turn ({@link TurnAdmission}); calls past it are shed on their headers alone. It acts
   * only while calls keep waiting more than `targetMs` (50 ms) turn after turn; `false` turns it off.
   */
  readonly queueAdmission?: false | TurnAdmissionOptions;
  /** Fixed hint sent with RESOURCE_EXHAUSTED; by default the shedder's (the recent average latency). */
  readonly shedRetryAfterMs?: number;
  readonly metrics?: RedMetrics;
  /** Sheds counted as `rebound_resilience_sheds_total{policy="rpc_server"}`. */
  readonly resilienceMetrics?: ResilienceMetrics;
  /** Connections are closed after this age (+ grace) so that a scale-up's new pods receive traffic. */
  readonly maxConnectionAgeMs?: number;
  readonly maxConnectionAgeGraceMs?: number;
  readonly channelOptions?: ChannelOptions;
  readonly random?: Random;
  /** Time for queue-time admission and the overload hold (default `performance.now()`); tests pass a fake. */
  readonly clock?: Pick<Clock, 'now'>;
  /** The loop-lag estimate queue-time admission reads (a seam for tests). */
  readonly loopLag?: Pick<LoopLagMonitor, 'waitedMs' | 'turn'> & Partial<Pick<LoopLagMonitor, 'restedMs'>>;
}

/** What admission reads from an overload signal. */
export interface OverloadSource {
  readonly overloaded: boolean;
  /** When a refused caller may try again (ms). */
  readonly retryAfterMs: number;
}

export interface DrainResult {
  /** True when calls were still running at the bound and were cut. */
  readonly forced: boolean;
}

/**
 * A grpc-js server with the platform's server side: `grpc.health.v1` with a status per service, load shedding
 * before work starts, deadline enforcement, fault hooks, validation, request context, RED metrics and a
 * bounded graceful drain.
 */
export class RpcServer {
  readonly server: Server;
  readonly health: HealthImplementation;
  readonly faults: ServerFaults;
  /** The load shedder (its `onShed`/`onLimitChange` events, `limit`, `inflight`), unless shedding is off. */
  readonly shedder: LoadSheddingPolicy | undefined;
  readonly #runtime: HandlerRuntime;
  #queueShedAt = Number.NEGATIVE_INFINITY;
  readonly #now: () => number;
  readonly #onShed = new EventEmitter<ServerShedEvent>();
  /** Every call shed by any admission step (overload signal, queue-time admission, concurrency limit). */
  readonly onShed: Event<ServerShedEvent> = this.#onShed.event;
  /** Queue-time admission, unless off. */
  readonly queueAdmission: TurnAdmission | undefined;
  readonly #services = new Set<string>();
  #draining = false;

  constructor(options: RpcServerOptions = {}) {
    this.server = new Server({
      // Channelz (grpc's introspection service) is not served here; tracking it costs every call.
      'grpc.enable_channelz': 0,
      'grpc.max_connection_age_ms': options.maxConnectionAgeMs ?? DEFAULT_MAX_CONNECTION_AGE_MS,
      'grpc.max_connection_age_grace_ms':
        options.maxConnectionAgeGraceMs ?? DEFAULT_MAX_CONNECTION_AGE_GRACE_MS,
      ...options.channelOptions,
    });
    this.health = new HealthImplementation({ '': 'NOT_SERVING' });
    this.health.addToServer(this.server);
    this.faults = new ServerFaults(options.random ?? systemRandom);
    const clock = options.clock;
    this.#now = clock === undefined ? () => performance.now() : () => clock.now();
    const limit = options.limit;
    this.shedder =
      limit === false
        ? undefined
        : limit instanceof LoadSheddingPolicy
          ? limit
          : loadShedding({
              limit: new WindowedVegasLimit(),
              sheddingHoldMs: DEFAULT_OVERLOAD_HOLD_MS,
              ...limit,
            });
    const admission: Policy[] = this.shedder === undefined ? [] : [this.shedder];
    const overload = options.overload;
    const queueOptions = options.queueAdmission ?? (limit === false ? false : {});
    const turns = queueOptions === false ? undefined : new TurnAdmission(queueOptions);
    this.queueAdmission = turns;
    const lag = turns === undefined ? undefined : (options.loopLag ?? new LoopLagMonitor());
    const now = this.#now;
    this.#runtime = {
      withFaults: new Pipeline([...admission, this.faults.policy], systemClock),
      shedder: this.shedder,
      faults: this.faults,
      metrics: options.metrics,
      retryAfterMs: options.shedRetryAfterMs,
      overloaded:
        overload === undefined
          ? () => undefined
          : () => (overload.overloaded ? overload.retryAfterMs : undefined),
      admitQueued:
        turns === undefined || lag === undefined
          ? () => undefined
          : (force) => {
              const waited = lag.waitedMs();
              const at = now();
              if (turns.admit(lag.turn, waited, at, force, lag.restedMs)) return undefined;
              this.#queueShedAt = at;
              return `queued ${Math.round(waited)} ms`;
            },
      onShed: (operation, priority, reason) => {
        if (this.#onShed.hasListeners) this.#onShed.emit({ operation, priority, reason });
        options.resilienceMetrics?.count('sheds', { policy: 'rpc_server', target: operation, priority });
      },
      inflight: new Set(),
    };
  }

  /**
   * True while the concurrency limit or queue-time admission sheds calls (and for a second after the last one):
   * readiness reads it. The overload signal is read by readiness on its own.
   */
  get overloaded(): boolean {
    return (this.shedder?.shedding ?? false) || this.#now() - this.#queueShedAt < DEFAULT_OVERLOAD_HOLD_MS;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Calls being handled now. */
  get inflight(): number {
    return this.#runtime.inflight.size;
  }

  /** Registers `handlers` for the unary methods of `definition`; the service reports SERVING once listening. */
  addService<D extends ServerServiceDefinition>(
    definition: D,
    handlers: ServiceHandlers<D>,
    options: AddServiceOptions<D> = {},
  ): this {
    const wrappedDefinition: Record<string, ServerMethodDefinition<unknown, unknown>> = {};
    const implementation: Record<string, ReturnType<typeof wrapUnary>> = {};
    let serviceName: string | undefined;
    for (const [name, method] of Object.entries(definition)) {
      if (method.requestStream || method.responseStream) {
        throw new Error(`${method.path}: only unary methods are supported`);
      }
      serviceName ??= method.path.slice(1, method.path.lastIndexOf('/'));
      // grpc-js hands the bytes over as they are; the handler decodes them once the call is admitted.
      wrappedDefinition[name] = { ...method, requestDeserialize: (bytes: Buffer) => bytes };
      const handler = handlers[name as keyof D] as UnaryHandler<unknown, unknown> | undefined;
      if (handler === undefined) throw new Error(`${method.path}: no handler given`);
      implementation[name] = wrapUnary(
        method.path,
        handler,
        options.validators?.[name as keyof D],
        this.#runtime,
        method.requestDeserialize,
      );
    }
    // biome-ignore lint/suspicious/noExplicitAny: grpc-js's ServiceDefinition is typed per message; ours are wrapped.
    this.server.addService(wrappedDefinition as any, implementation);
    if (serviceName !== undefined) {
      this.#services.add(serviceName);
      this.health.setStatus(serviceName, 'NOT_SERVING');
    }
    return this;
  }

  /** Binds `address` (`127.0.0.1:0` picks a port), marks every service SERVING, returns the port. */
  async listen(address: string, credentials: ServerCredentials = Creds.createInsecure()): Promise<number> {
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(address, credentials, (error, bound) => (error ? reject(error) : resolve(bound)));
    });
    this.setServingStatus('SERVING');
    return port;
  }

  /** Sets the health status of one service, or of the server and every service when `service` is omitted. */
  setServingStatus(status: ServingStatus, service?: string): void {
    if (service !== undefined) {
      this.health.setStatus(service, status);
      return;
    }
    this.health.setStatus('', status);
    for (const name of this.#services) this.health.setStatus(name, status);
  }

  /**
   * Graceful drain: health goes NOT_SERVING, no new calls are accepted (GOAWAY), in-flight calls may finish
   * within `timeoutMs`; past it they are cut (their signals abort) and the server is shut down by force.
   */
  async drain(timeoutMs = DEFAULT_DRAIN_TIMEOUT_MS): Promise<DrainResult> {
    this.#draining = true;
    this.setServingStatus('NOT_SERVING');
    return new Promise<DrainResult>((resolve) => {
      const timer = setTimeout(() => {
        for (const call of this.#runtime.inflight) call.abort(new Error('server drained'));
        this.server.forceShutdown();
        resolve({ forced: true });
      }, timeoutMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve({ forced: false });
      });
    });
  }

  /** Stops at once, cutting every call. */
  forceShutdown(): void {
    this.#draining = true;
    for (const call of this.#runtime.inflight) call.abort(new Error('server stopped'));
    this.server.forceShutdown();
  }
}

/** A server; see {@link RpcServer}. */
export function createRpcServer(options?: RpcServerOptions): RpcServer {
  return new RpcServer(options);
}
