import 'reflect-metadata';
import { type INestApplicationContext, Module, type Type } from '@nestjs/common';
import { DiscoveryService, NestFactory } from '@nestjs/core';
import { createRedMetrics } from '@rebound/observability';
import { createRpcServer, providerHandlers, windowedVegasLimit } from '@rebound/rpc';
import { Gauge } from 'prom-client';
import type { z } from 'zod';
import { startServiceBase } from './common/service-base.bootstrap.ts';
import { type BaseConfig, baseConfigSchema } from './config/service.config.ts';
import { grpcServiceOf, serviceNameOf } from './nest/grpc-service.decorator.ts';
import { PinoNestLogger } from './nest/pino-nest.logger.ts';
import { ServiceDefaultsModule } from './nest/service-defaults.module.ts';
import { applyBehaviour } from './profile/behaviour.apply.ts';
import type { ServiceContext } from './service.context.ts';

export interface BootstrapOptions<S extends z.ZodType<BaseConfig>> {
  /** The service's name (`catalog`); `SERVICE_NAME` overrides it. */
  readonly service: string;
  /** The app's root module: feature modules only; the defaults are added around it. */
  readonly module: Type<unknown>;
  /** `baseConfigSchema.extend({...})` when the service reads more variables. */
  readonly config?: S;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * The gRPC server's adaptive concurrency limit (in-flight calls before shedding), when the defaults (from 16,
   * at least 4) do not fit: a handler that holds its slot while it waits on other services needs a higher floor.
   */
  readonly concurrency?: { readonly initialLimit?: number; readonly minLimit?: number };
}

export interface RunningService {
  readonly context: ServiceContext;
  readonly app: INestApplicationContext;
  readonly grpcPort: number;
  readonly adminPort: number;
}

/**
 * Starts a service the one way every service starts: validated config (a bad value prints one line and
 * exits 78), logs, metrics on `/metrics`, probes on the admin port, fault injection at `/admin/faults`, the
 * Nest application context with the app's module, every `@GrpcService` served on `GRPC_PORT` by a
 * `@rebound/rpc` server (health, shedding, deadlines, faults, drain), and graceful
 * shutdown owned by the ShutdownCoordinator (SIGTERM/SIGINT: readiness off → drain gRPC → `app.close()` → exit).
 */
export async function bootstrap<S extends z.ZodType<BaseConfig>>(
  options: BootstrapOptions<S>,
): Promise<RunningService> {
  const base = await startServiceBase({
    service: options.service,
    config: (options.config ?? baseConfigSchema) as S,
    env: options.env,
  });
  const { context, resilienceMetrics } = base;
  const { config, service, logger, registry, probes, admin, shutdown, faults, clients, overload } = context;
  // The loop signal takes a backend out of readiness but does not shed its calls: a backend sheds by its calls'
  // own queue time (on by default). Shedding on the signal too, on a saturated box, sent each refused call to the
  // other replica, equally busy, and cut checkout throughput at 16 clients from 30.5 to 18.7/s
  // (`pnpm bench:checkout`); the gateway sheds on it, at the edge, before any work is done.
  const rpc = createRpcServer({
    metrics: createRedMetrics(registry, 'rpc_server'),
    resilienceMetrics,
    ...(options.concurrency === undefined
      ? {}
      : { limit: { limit: windowedVegasLimit(options.concurrency) } }),
  });
  probes.addCheck('readiness', 'overload', () =>
    rpc.overloaded ? { ok: false, detail: 'shedding load' } : { ok: true },
  );
  base.routeCallFaults((calls) => rpc.faults.configure(calls));
  shutdown.onShutdown('faults', () => faults.close());
  shutdown.listen();
  const adminPort = await admin.listen();

  @Module({ imports: [ServiceDefaultsModule.forRoot(context), options.module] })
  class RootModule {}

  const app = await NestFactory.createApplicationContext(RootModule, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  shutdown.onShutdown('nest', () => app.close());
  shutdown.onShutdown('rpc-clients', () => clients.closeAll());

  const inflight = new Gauge({
    name: 'rebound_rpc_server_handlers_inflight',
    help: 'gRPC handlers running now (drain waits for them).',
    registers: [registry],
  });
  const discovery = app.get(DiscoveryService);
  for (const wrapper of discovery.getProviders()) {
    const provider = wrapper.instance as Record<string, unknown> | undefined;
    if (!provider || !wrapper.metatype) continue;
    const definition = grpcServiceOf(wrapper.metatype);
    if (!definition) continue;
    const handlers = providerHandlers(provider, definition, {
      around: async (_method, next) => {
        const end = shutdown.inflight.begin();
        inflight.inc();
        try {
          return await next();
        } finally {
          inflight.dec();
          end();
        }
      },
      // The database being unreachable is a retryable condition for the caller, not an internal bug.
      unavailable: (error) =>
        (error as { name?: unknown })?.name === 'DatabaseUnavailableError'
          ? 'database unavailable'
          : undefined,
      // Anything else is a bug: log it whole, answer INTERNAL without leaking its message to callers.
      onUnexpected: (error, method) => logger.error({ err: error, method }, 'handler failed'),
    });
    rpc.addService(definition, handlers);
    logger.debug({ service: serviceNameOf(definition) }, 'serving gRPC service');
  }
  const grpcPort = await rpc.listen(`${config.HOST}:${config.GRPC_PORT}`);
  shutdown.onDrain('grpc', async () => {
    const { forced } = await rpc.drain(config.SHUTDOWN_DRAIN_TIMEOUT_MS);
    if (forced) logger.warn('gRPC drain hit its bound: remaining calls were cut');
  });

  applyBehaviour({
    version: config.REBOUND_VERSION,
    profile: config.REBOUND_BEHAVIOUR,
    faults,
    probes,
    registry,
    log: (line) => logger.warn(line),
  });
  // Start-up (module loading, compiling on first use) is not overload: measure from here.
  overload.reset();
  probes.markStarted();
  logger.info(
    { grpcPort, adminPort },
    `${service} ready: gRPC ${config.HOST}:${grpcPort}, admin :${adminPort}`,
  );
  return { context, app, grpcPort, adminPort };
}
