import 'reflect-metadata';
import { status } from '@grpc/grpc-js';
import { type INestApplicationContext, Module, type Type } from '@nestjs/common';
import { DiscoveryService, NestFactory } from '@nestjs/core';
import { AdminServer, eventLoopDelayCheck, HealthProbes, ShutdownCoordinator } from '@rebound/health';
import {
  createLogger,
  createMetricsRegistry,
  createRedMetrics,
  createResilienceMetrics,
  shutdownTracing,
} from '@rebound/observability';
import { createRpcServer, isStatusError, RpcError, type ServerServiceDefinition } from '@rebound/rpc';
import { Gauge } from 'prom-client';
import type { z } from 'zod';
import { registerMetricsRoute } from './admin/metrics.route.ts';
import { type BaseConfig, baseConfigSchema, ConfigError, loadConfig } from './config/service.config.ts';
import { CONFIG_ERROR_EXIT_CODE } from './constants.ts';
import { FaultInjector } from './faults/fault-injector.ts';
import { registerFaultRoutes } from './faults/faults.routes.ts';
import { databaseConfigProblems } from './nest/database.module.ts';
import { GRPC_SERVICE_METADATA, serviceNameOf } from './nest/grpc-service.decorator.ts';
import { PinoNestLogger } from './nest/pino-nest.logger.ts';
import { RpcClients } from './nest/rpc-clients.ts';
import { ServiceDefaultsModule } from './nest/service-defaults.module.ts';
import { applyBehaviour } from './profile/behaviour.apply.ts';
import type { ServiceContext } from './service-context.ts';

export interface BootstrapOptions<S extends z.ZodType<BaseConfig>> {
  /** The service's name (`catalog`); `SERVICE_NAME` overrides it. */
  readonly service: string;
  /** The app's root module: feature modules only; the defaults are added around it. */
  readonly module: Type<unknown>;
  /** `baseConfigSchema.extend({...})` when the service reads more variables. */
  readonly config?: S;
  readonly env?: Readonly<Record<string, string | undefined>>;
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
  let config: z.infer<S>;
  try {
    const env = options.env ?? process.env;
    config = loadConfig(options.config ?? baseConfigSchema, env) as z.infer<S>;
    const missing = databaseConfigProblems(env);
    if (missing.length > 0) throw new ConfigError(`invalid configuration: ${missing.join('; ')}`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${options.service}: ${error.message}\n`);
    process.exit(CONFIG_ERROR_EXIT_CODE);
  }
  const service = config.SERVICE_NAME ?? options.service;
  const instance = config.SERVICE_INSTANCE ?? `${service}-${process.pid}`;
  const logger = createLogger({ service, level: config.LOG_LEVEL }).child({ instance });
  const registry = createMetricsRegistry({ service });
  const probes = new HealthProbes();
  const loop = eventLoopDelayCheck({ maxDelayMs: config.OVERLOAD_EVENT_LOOP_DELAY_MS });
  probes.addCheck('readiness', 'event-loop', loop.check);
  const admin = new AdminServer({ probes, port: config.ADMIN_PORT, host: config.HOST });
  const shutdown = new ShutdownCoordinator({
    probes,
    drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
    drainTimeoutMs: config.SHUTDOWN_DRAIN_TIMEOUT_MS,
    log: (line) => logger.info(line),
  });
  // One set of resilience decision metrics per process (breaker state and transitions, retries, budget, sheds).
  const resilienceMetrics = createResilienceMetrics(registry);
  const rpc = createRpcServer({ metrics: createRedMetrics(registry, 'rpc_server'), resilienceMetrics });
  probes.addCheck('readiness', 'overload', () =>
    rpc.overloaded ? { ok: false, detail: 'shedding load' } : { ok: true },
  );
  const faults = new FaultInjector({ registry, configureCalls: (calls) => rpc.faults.configure(calls) });
  const clients = new RpcClients(createRedMetrics(registry, 'rpc_client'), resilienceMetrics);
  const context: ServiceContext = {
    service,
    instance,
    config,
    logger,
    registry,
    probes,
    admin,
    shutdown,
    faults,
    clients,
  };

  registerMetricsRoute(admin, registry);
  registerFaultRoutes(admin, faults, config.ADMIN_TOKEN);

  // Registered first, closed last: the admin server answers probes until the very end.
  shutdown.onShutdown('admin', () => admin.close());
  // Flushed after everything else closed (hooks run in reverse), so the last spans of the drain go out too.
  shutdown.onShutdown('telemetry', shutdownTracing);
  shutdown.onShutdown('faults', () => {
    faults.close();
    loop.stop();
  });
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
    const definition = Reflect.getMetadata(GRPC_SERVICE_METADATA, wrapper.metatype) as
      | ServerServiceDefinition
      | undefined;
    if (!definition) continue;
    const handlers: Record<string, unknown> = {};
    for (const key of Object.keys(definition)) {
      const method = provider[key];
      if (typeof method !== 'function') throw new Error(`${wrapper.name} does not implement ${key}`);
      handlers[key] = async (request: unknown, call: unknown) => {
        const end = shutdown.inflight.begin();
        inflight.inc();
        try {
          return await method.call(provider, request, call);
        } catch (error) {
          // The database being unreachable is a retryable condition for the caller, not an internal bug.
          if ((error as { name?: unknown })?.name === 'DatabaseUnavailableError') {
            throw new RpcError(status.UNAVAILABLE, 'database unavailable', undefined, { cause: error });
          }
          if (isStatusError(error)) throw error;
          // Anything else is a bug: log it whole, answer INTERNAL without leaking its message to callers.
          logger.error({ err: error, method: key }, 'handler failed');
          throw new RpcError(status.INTERNAL, 'internal error', undefined, { cause: error });
        } finally {
          inflight.dec();
          end();
        }
      };
    }
    rpc.addService(definition, handlers as never);
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
  probes.markStarted();
  logger.info(
    { grpcPort, adminPort },
    `${service} ready: gRPC ${config.HOST}:${grpcPort}, admin :${adminPort}`,
  );
  return { context, app, grpcPort, adminPort };
}
