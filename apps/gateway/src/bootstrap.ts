import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AdminServer, eventLoopDelayCheck, HealthProbes, ShutdownCoordinator } from '@rebound/health';
import {
  createLogger,
  createMetricsRegistry,
  createRedMetrics,
  createResilienceMetrics,
  shutdownTracing,
} from '@rebound/observability';
import {
  FaultInjector,
  PinoNestLogger,
  RpcClients,
  registerFaultRoutes,
  registerMetricsRoute,
} from '@rebound/service-defaults';
import { AppModule } from './app.module.ts';
import { ConfigError, type GatewayConfig, loadGatewayConfig } from './config/gateway.config.ts';
import { AbuseBlocker } from './edge/abuse-blocker.ts';
import { ApiKeys } from './edge/api-keys.ts';
import { ClientThrottle } from './edge/client-throttle.ts';
import { ConnectionDrain } from './edge/connection-drain.ts';
import { registerEdgeHooks } from './edge/edge.hooks.ts';
import { createEdgeMetrics } from './edge/edge-metrics.ts';
import { EdgeErrorFilter } from './edge/error.filter.ts';
import { HttpFaults } from './edge/http-faults.ts';
import { LoadShedder } from './edge/load-shedder.ts';
import { registerSecurityHeaders } from './edge/security-headers.ts';
import type { GatewayContext } from './gateway-context.ts';

/** Exit code of a process whose configuration is invalid (sysexits.h EX_CONFIG), as every service uses. */
const CONFIG_ERROR_EXIT_CODE = 78;

export interface RunningGateway {
  readonly context: GatewayContext;
  readonly app: NestFastifyApplication;
  readonly httpPort: number;
  readonly adminPort: number;
}

/**
 * Starts the gateway: validated config (one line and exit 78 when wrong), logs, metrics, probes on the admin
 * port, the edge hooks, Nest on Fastify with one module per feature, and graceful shutdown (SIGTERM: readiness
 * off, drain in-flight requests, close clients, exit). `@rebound/service-defaults`' `bootstrap()` starts
 * gRPC-only application contexts, so the HTTP edge is assembled here from the same libraries.
 */
export async function startGateway(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<RunningGateway> {
  let config: GatewayConfig;
  try {
    config = loadGatewayConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`gateway: ${error.message}\n`);
    process.exit(CONFIG_ERROR_EXIT_CODE);
  }
  const service = config.SERVICE_NAME;
  const logger = createLogger({ service, level: config.LOG_LEVEL }).child({
    instance: config.SERVICE_INSTANCE ?? `${service}-${process.pid}`,
  });
  const registry = createMetricsRegistry({ service });
  const probes = new HealthProbes();
  const shedder = new LoadShedder({
    initialLimit: config.SHED_LIMIT_INITIAL,
    minLimit: config.SHED_LIMIT_MIN,
    maxLimit: config.SHED_LIMIT_MAX,
    holdMs: config.SHED_HOLD_MS,
    eventLoopDelayMs: config.SHED_EVENT_LOOP_DELAY_MS,
  });
  const faults = new HttpFaults();
  const injector = new FaultInjector({ registry, configureCalls: faults.configure });
  const context: GatewayContext = {
    config,
    logger,
    registry,
    probes,
    http: createRedMetrics(registry, 'http_server'),
    edge: createEdgeMetrics(registry),
    apiKeys: new ApiKeys(config.API_KEYS),
    throttle: new ClientThrottle({
      rate: config.RATE_LIMIT_RPS,
      burst: config.RATE_LIMIT_BURST,
      maxClients: config.RATE_LIMIT_MAX_CLIENTS,
    }),
    blocker: new AbuseBlocker({
      threshold: config.BLOCK_THRESHOLD,
      windowMs: config.BLOCK_WINDOW_MS,
      blockMs: config.BLOCK_DURATION_MS,
      maxTracked: config.BLOCK_MAX_TRACKED,
    }),
    shedder,
    faults,
    // Outgoing clients with RED and resilience decision metrics (breaker, retries, budget, ejections).
    clients: new RpcClients(createRedMetrics(registry, 'rpc_client'), createResilienceMetrics(registry)),
  };

  const loop = eventLoopDelayCheck({ maxDelayMs: config.OVERLOAD_EVENT_LOOP_DELAY_MS });
  probes.addCheck('readiness', 'event-loop', loop.check);
  probes.addCheck('readiness', 'load-shedding', () =>
    shedder.overloaded
      ? { ok: false, detail: `shedding (in flight ${shedder.inflight}, limit ${shedder.limit})` }
      : { ok: true, detail: `in flight ${shedder.inflight}, limit ${shedder.limit}` },
  );
  const admin = new AdminServer({ probes, port: config.ADMIN_PORT, host: config.HOST });
  registerMetricsRoute(admin, registry);
  registerFaultRoutes(admin, injector, config.ADMIN_TOKEN);
  const shutdown = new ShutdownCoordinator({
    probes,
    drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
    drainTimeoutMs: config.SHUTDOWN_DRAIN_TIMEOUT_MS,
    log: (line) => logger.info(line),
  });
  shutdown.onShutdown('admin', () => admin.close());
  // Flushed after everything else closed (hooks run in reverse), so the last spans of the drain go out too.
  shutdown.onShutdown('telemetry', shutdownTracing);
  // Hung requests (an injected fault) would hold the HTTP drain until its bound: let them go first.
  shutdown.onDrain('faults', () => {
    injector.close();
    faults.releaseHung();
  });
  shutdown.onShutdown('edge', () => {
    shedder.close();
    loop.stop();
  });
  shutdown.listen();
  const adminPort = await admin.listen();

  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: false,
    return503OnClosing: true,
  });
  const fastify = adapter.getInstance();
  registerSecurityHeaders(fastify);
  registerEdgeHooks(fastify, context);

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(context), adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  app.useGlobalFilters(new EdgeErrorFilter());
  // The drain of HTTP traffic: from readiness off, answers close their keep-alive connections; from the drain on,
  // idle connections close too (see ConnectionDrain), new requests get 503 with `Connection: close`
  // (return503OnClosing), and `app.close()` resolves once the server has closed, when the last in-flight request
  // is answered. The gRPC clients close after that (onApplicationShutdown), so those requests can still use them.
  const connections = new ConnectionDrain(app.getHttpServer(), { leaving: () => probes.draining });
  shutdown.onDrain('http', async () => {
    connections.start();
    await app.close();
  });
  await app.listen({ port: config.HTTP_PORT, host: config.HOST });
  const address = app.getHttpServer().address();
  const httpPort = typeof address === 'object' && address !== null ? address.port : config.HTTP_PORT;

  shedder.resetEventLoop();
  probes.markStarted();
  logger.info(
    { httpPort, adminPort },
    `${service} ready: http://${config.HOST}:${httpPort}, admin :${adminPort}`,
  );
  return { context, app, httpPort, adminPort };
}
