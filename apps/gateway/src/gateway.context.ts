import type { HttpServiceContext } from '@rebound/service-defaults';
import type { GatewayConfig } from './config/gateway.config.ts';
import type { AbuseBlocker } from './edge/abuse.blocker.ts';
import type { ApiKeys } from './edge/api-keys.store.ts';
import type { ClientThrottle } from './edge/client.throttle.ts';
import type { EdgeMetrics } from './edge/edge.metrics.ts';
import type { HttpFaults } from './edge/http-faults.injector.ts';
import type { LoadShedder } from './edge/load.shedder.ts';

/** The HTTP tier's context plus the edge the gateway builds on it; feature modules inject it as GATEWAY_CONTEXT. */
export interface GatewayContext extends HttpServiceContext<GatewayConfig> {
  readonly edge: EdgeMetrics;
  readonly apiKeys: ApiKeys;
  readonly throttle: ClientThrottle;
  readonly blocker: AbuseBlocker;
  readonly shedder: LoadShedder;
  /** Per-request faults switched through `/admin/faults` (off by default). */
  readonly httpFaults: HttpFaults;
}

export const GATEWAY_CONTEXT = Symbol('GATEWAY_CONTEXT');
