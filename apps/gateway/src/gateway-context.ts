import type { HealthProbes } from '@rebound/health';
import type { Logger, RedMetrics } from '@rebound/observability';
import type { RpcClients } from '@rebound/service-defaults';
import type { Registry } from 'prom-client';
import type { GatewayConfig } from './config/gateway.config.ts';
import type { AbuseBlocker } from './edge/abuse-blocker.ts';
import type { ApiKeys } from './edge/api-keys.ts';
import type { ClientThrottle } from './edge/client-throttle.ts';
import type { EdgeMetrics } from './edge/edge-metrics.ts';
import type { HttpFaults } from './edge/http-faults.ts';
import type { LoadShedder } from './edge/load-shedder.ts';

/** Everything the bootstrap builds before Nest starts; feature modules inject it as GATEWAY_CONTEXT. */
export interface GatewayContext {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly probes: HealthProbes;
  readonly http: RedMetrics;
  readonly edge: EdgeMetrics;
  readonly apiKeys: ApiKeys;
  readonly throttle: ClientThrottle;
  readonly blocker: AbuseBlocker;
  readonly shedder: LoadShedder;
  /** Per-request faults switched through `/admin/faults` (off by default). */
  readonly faults: HttpFaults;
  /** Makes the outgoing gRPC clients with the process's client metrics; closed with them at shutdown. */
  readonly clients: RpcClients;
}

export const GATEWAY_CONTEXT = Symbol('GATEWAY_CONTEXT');
