import 'reflect-metadata';
import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createRedMetrics, type RedMetrics } from '@rebound/observability';
import type { CallFaultSettings } from '@rebound/rpc';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { startServiceBase } from '../common/service-base.bootstrap.ts';
import { PinoNestLogger } from '../nest/pino-nest.logger.ts';
import { ServiceDefaultsModule } from '../nest/service-defaults.module.ts';
import { applyBehaviour } from '../profile/behaviour.apply.ts';
import type { ServiceContext } from '../service.context.ts';
import { ConnectionDrain } from './connection.drainer.ts';
import type { HttpConfig } from './http.config.ts';

/** What an HTTP service gets before Nest starts: the shared context plus the RED metrics of its HTTP server. */
export interface HttpServiceContext<C extends HttpConfig = HttpConfig> extends ServiceContext<C> {
  /** `rebound_http_server_*`: the app's hooks record each request. */
  readonly http: RedMetrics;
}

/** What the app's `setup` returns: its root module and where the per-request faults go. */
export interface HttpServiceSetup {
  /** The app's root module (feature modules only; the defaults are added around it). */
  readonly module: Type<unknown> | DynamicModule;
  /** Receives the per-request faults switched at `/admin/faults` (latency, errors, hang). */
  readonly configureCalls?: (config: CallFaultSettings) => void;
  /** Global filters and the like, applied to the Nest application before it listens. */
  readonly configureApp?: (app: NestFastifyApplication) => void;
  /** Runs once the HTTP port is listening, just before startup is marked done. */
  readonly onListening?: () => void;
}

export interface HttpBootstrapOptions<S extends z.ZodType<HttpConfig>> {
  /** The service's name (`gateway`); `SERVICE_NAME` overrides it. */
  readonly service: string;
  /** `httpConfigSchema.extend({...})`. */
  readonly config: S;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Builds what only this service has (its edge state, readiness checks, shutdown hooks on `context.shutdown`,
   * Fastify hooks) from the shared context, and returns its module.
   */
  readonly setup: (context: HttpServiceContext<z.infer<S>>, fastify: FastifyInstance) => HttpServiceSetup;
}

export interface RunningHttpService<C extends HttpConfig = HttpConfig> {
  readonly context: HttpServiceContext<C>;
  readonly app: NestFastifyApplication;
  readonly httpPort: number;
  readonly adminPort: number;
}

/**
 * Starts an HTTP service the one way every service starts (the same config, exit code 78, logs, metrics, probes,
 * faults and shutdown as `bootstrap()`), then Nest on Fastify. Graceful shutdown: readiness off → answers close
 * their keep-alive connections → drain (new requests get 503 with `Connection: close`, `app.close()` resolves
 * when the last in-flight request is answered) → the gRPC clients close (so those requests could still use them)
 * → exit.
 */
export async function bootstrapHttp<S extends z.ZodType<HttpConfig>>(
  options: HttpBootstrapOptions<S>,
): Promise<RunningHttpService<z.infer<S>>> {
  const base = await startServiceBase({ service: options.service, config: options.config, env: options.env });
  const context: HttpServiceContext<z.infer<S>> = {
    ...base.context,
    http: createRedMetrics(base.context.registry, 'http_server'),
  };
  const { config, service, logger, probes, admin, shutdown, faults, clients } = context;
  // Hung requests (an injected fault) would hold the HTTP drain until its bound: let them go first.
  shutdown.onDrain('faults', () => faults.close());

  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: false,
    return503OnClosing: true,
  });
  const setup = options.setup(context, adapter.getInstance());
  if (setup.configureCalls) base.routeCallFaults(setup.configureCalls);
  shutdown.listen();
  const adminPort = await admin.listen();

  @Module({ imports: [ServiceDefaultsModule.forRoot(context), setup.module] })
  class RootModule {}

  const app = await NestFactory.create<NestFastifyApplication>(RootModule, adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  setup.configureApp?.(app);
  const connections = new ConnectionDrain(app.getHttpServer(), { leaving: () => probes.draining });
  shutdown.onDrain('http', async () => {
    connections.start();
    await app.close();
  });
  shutdown.onShutdown('rpc-clients', () => clients.closeAll());
  await app.listen({ port: config.HTTP_PORT, host: config.HOST });
  const address = app.getHttpServer().address();
  const httpPort = typeof address === 'object' && address !== null ? address.port : config.HTTP_PORT;

  setup.onListening?.();
  // Start-up (module loading, compiling on first use) is not overload: measure from here.
  context.overload.reset();
  // The version and its bad-behaviour profile, as a gRPC service applies them: a rollout of the gateway needs both.
  applyBehaviour({
    version: config.REBOUND_VERSION,
    profile: config.REBOUND_BEHAVIOUR,
    faults,
    probes,
    registry: context.registry,
    log: (line) => logger.warn(line),
  });
  probes.markStarted();
  logger.info(
    { httpPort, adminPort },
    `${service} ready: http://${config.HOST}:${httpPort}, admin :${adminPort}`,
  );
  return { context, app, httpPort, adminPort };
}
