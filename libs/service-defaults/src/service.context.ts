import type { AdminServer, HealthProbes, OverloadSignal, ShutdownCoordinator } from '@rebound/health';
import type { Logger } from '@rebound/observability';
import type { Registry } from 'prom-client';
import type { BaseConfig } from './config/service.config.ts';
import type { DegradationFlags } from './degradation/degradation.flags.ts';
import type { FaultInjector } from './faults/fault.injector.ts';
import type { RpcClients } from './nest/rpc-clients.factory.ts';

/** Everything `bootstrap()` builds before Nest starts; feature modules inject the parts they need. */
export interface ServiceContext<C extends BaseConfig = BaseConfig> {
  readonly service: string;
  readonly instance: string;
  readonly config: C;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly probes: HealthProbes;
  readonly admin: AdminServer;
  readonly shutdown: ShutdownCoordinator;
  readonly faults: FaultInjector;
  /** Degradation flags the app declares (`serve-cached-catalog`), switched at `/admin/degradation`. */
  readonly degradation: DegradationFlags;
  readonly clients: RpcClients;
  /**
   * The process's one overload signal (event-loop delay with hysteresis): readiness, gRPC admission and the HTTP
   * edge read this same object.
   */
  readonly overload: OverloadSignal;
}
