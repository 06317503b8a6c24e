import { AdminServer, HealthProbes, ShutdownCoordinator } from '@rebound/health';
import {
  CONFIG_ERROR_EXIT_CODE,
  ConfigError,
  createLogger,
  createMetricsRegistry,
  createRedMetrics,
  createResilienceMetrics,
  type ResilienceMetrics,
  shutdownTracing,
} from '@rebound/observability';
import type { CallFaultSettings } from '@rebound/rpc';
import type { z } from 'zod';
import { registerMetricsRoute } from '../admin/metrics.route.ts';
import { type BaseConfig, loadConfig } from '../config/service.config.ts';
import { DegradationFlags } from '../degradation/degradation.flags.ts';
import { registerDegradationRoutes } from '../degradation/degradation.routes.ts';
import type { DegradationStore } from '../degradation/degradation.store.ts';
import { degradationStoreFor } from '../degradation/degradation-store.factory.ts';
import { FaultInjector } from '../faults/fault.injector.ts';
import { registerFaultRoutes } from '../faults/faults.routes.ts';
import { databaseConfigProblems } from '../nest/database.module.ts';
import { RpcClients } from '../nest/rpc-clients.factory.ts';
import { bindOverloadSignal } from '../overload/overload.binding.ts';
import type { ServiceContext } from '../service.context.ts';

export interface ServiceBaseOptions<S extends z.ZodType<BaseConfig>> {
  readonly service: string;
  readonly config: S;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What both tiers (gRPC and HTTP) build the same way before their transport. */
export interface ServiceBase<C extends BaseConfig> {
  readonly context: ServiceContext<C>;
  readonly resilienceMetrics: ResilienceMetrics;
  /** Where per-call faults go: the transport's hooks (set once the transport exists). */
  routeCallFaults(configure: (config: CallFaultSettings) => void): void;
}

/**
 * Validated config (a bad value prints one line and exits 78), logs, metrics on `/metrics`, probes on the admin
 * port, the process's one overload signal (readiness, `rebound_overload_signal`; stopped by the last hook), fault injection at `/admin/faults`, degradation flags at
 * `/admin/degradation`, the outgoing gRPC clients and
 * the shutdown coordinator with its first hooks (admin closed last, telemetry flushed after the rest). The admin
 * port is not listening yet: the tier calls `admin.listen()` once its own hooks are registered.
 */
export async function startServiceBase<S extends z.ZodType<BaseConfig>>(
  options: ServiceBaseOptions<S>,
): Promise<ServiceBase<z.infer<S>>> {
  let config: z.infer<S>;
  let store: DegradationStore | undefined;
  try {
    const env = options.env ?? process.env;
    config = loadConfig(options.config, env) as z.infer<S>;
    const missing = databaseConfigProblems(env);
    if (missing.length > 0) throw new ConfigError(`invalid configuration: ${missing.join('; ')}`);
    store = degradationStoreFor(config, env);
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
  const overload = bindOverloadSignal({
    maxDelayMs: config.OVERLOAD_EVENT_LOOP_DELAY_MS,
    registry,
    probes,
    logger,
  });
  const admin = new AdminServer({ probes, port: config.ADMIN_PORT, host: config.HOST });
  const shutdown = new ShutdownCoordinator({
    probes,
    drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
    drainTimeoutMs: config.SHUTDOWN_DRAIN_TIMEOUT_MS,
    log: (line) => logger.info(line),
  });
  // One set of resilience decision metrics per process (breaker state and transitions, retries, budget, sheds).
  const resilienceMetrics = createResilienceMetrics(registry);
  let configureCalls: (config: CallFaultSettings) => void = () => {};
  const faults = new FaultInjector({ registry, logger, configureCalls: (calls) => configureCalls(calls) });
  const clients = new RpcClients(
    createRedMetrics(registry, 'rpc_client'),
    resilienceMetrics,
    faults.linkFaults,
  );
  registerMetricsRoute(admin, registry);
  registerFaultRoutes(admin, faults, config.ADMIN_TOKEN);
  // A store that cannot be read now leaves the flags off at start; the next polls take them when it answers.
  await store?.load().catch((error: Error) => logger.error(`degradation store: ${error.message}`));
  const degradation = new DegradationFlags({ registry, logger, probes, store });
  degradation.watch();
  registerDegradationRoutes(admin, degradation, config.ADMIN_TOKEN);
  // Registered first, closed last: the admin server answers probes until the very end.
  shutdown.onShutdown('admin', () => admin.close());
  shutdown.onShutdown('overload', () => overload.close());
  shutdown.onShutdown('degradation-store', () => degradation.stop());
  // Flushed after everything else closed (hooks run in reverse), so the last spans of the drain go out too.
  shutdown.onShutdown('telemetry', shutdownTracing);
  return {
    context: {
      service,
      instance,
      config,
      logger,
      registry,
      probes,
      admin,
      shutdown,
      faults,
      degradation,
      clients,
      overload,
    },
    resilienceMetrics,
    routeCallFaults: (configure) => {
      configureCalls = configure;
    },
  };
}
