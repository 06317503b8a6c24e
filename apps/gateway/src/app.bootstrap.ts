import { bootstrapHttp, type RunningHttpService } from '@rebound/service-defaults';
import { AppModule } from './app.module.ts';
import { type GatewayConfig, gatewayConfigSchema } from './config/gateway.config.ts';
import { AbuseBlocker } from './edge/abuse.blocker.ts';
import { ApiKeys } from './edge/api-keys.store.ts';
import { ClientThrottle } from './edge/client.throttle.ts';
import { registerEdgeHooks } from './edge/edge.hooks.ts';
import { createEdgeMetrics } from './edge/edge.metrics.ts';
import { EdgeErrorFilter } from './edge/error.filter.ts';
import { HttpFaults } from './edge/http-faults.injector.ts';
import { LoadShedder } from './edge/load.shedder.ts';
import { registerSecurityHeaders } from './edge/security-headers.hook.ts';
import type { GatewayContext } from './gateway.context.ts';

export interface RunningGateway extends RunningHttpService<GatewayConfig> {
  readonly context: GatewayContext;
}

/**
 * Starts the gateway through service-defaults' HTTP tier (config, logs, metrics, probes, faults, Nest on Fastify,
 * graceful shutdown); what is the gateway's own is its edge: API keys, throttling, abuse blocking, load shedding,
 * per-request faults and the error filter.
 */
export async function startGateway(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<RunningGateway> {
  let gateway: GatewayContext | undefined;
  const running = await bootstrapHttp({
    service: 'gateway',
    config: gatewayConfigSchema,
    env,
    setup: (base, fastify) => {
      const { config, registry, probes, shutdown, overload } = base;
      const shedder = new LoadShedder({
        initialLimit: config.SHED_LIMIT_INITIAL,
        minLimit: config.SHED_LIMIT_MIN,
        maxLimit: config.SHED_LIMIT_MAX,
        holdMs: config.SHED_HOLD_MS,
        overload,
      });
      const faults = new HttpFaults();
      const context: GatewayContext = {
        ...base,
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
        httpFaults: faults,
      };
      gateway = context;
      probes.addCheck('readiness', 'load-shedding', () =>
        shedder.shedding
          ? { ok: false, detail: `shedding (in flight ${shedder.inflight}, limit ${shedder.limit})` }
          : { ok: true, detail: `in flight ${shedder.inflight}, limit ${shedder.limit}` },
      );
      shutdown.onDrain('http-faults', () => faults.releaseHung());
      registerSecurityHeaders(fastify);
      registerEdgeHooks(fastify, context);
      return {
        module: AppModule.forRoot(context),
        configureCalls: faults.configure,
        configureApp: (app) => app.useGlobalFilters(new EdgeErrorFilter()),
      };
    },
  });
  if (!gateway) throw new Error('the HTTP tier did not run the gateway setup');
  return { ...running, context: gateway };
}
