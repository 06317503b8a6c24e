import type { RedMetrics, ResilienceMetrics } from '@rebound/observability';
import {
  createRpcClient,
  type LinkFaults,
  type RpcClient,
  type RpcClientHandle,
  type RpcClientOptions,
  type ServiceDefinitionLike,
} from '@rebound/rpc';

/**
 * Makes outgoing `@rebound/rpc` clients with the process's client metrics (RED and every resilience decision:
 * breaker state and transitions, rejections, retries, budget, ejections) and the process's link faults (the
 * partition switches of `/admin/faults`), and closes them all at shutdown.
 */
export class RpcClients {
  readonly #metrics: RedMetrics;
  readonly #resilienceMetrics: ResilienceMetrics | undefined;
  readonly #linkFaults: LinkFaults | undefined;
  readonly #open: RpcClientHandle[] = [];

  constructor(metrics: RedMetrics, resilienceMetrics?: ResilienceMetrics, linkFaults?: LinkFaults) {
    this.#metrics = metrics;
    this.#resilienceMetrics = resilienceMetrics;
    this.#linkFaults = linkFaults;
  }

  create<D extends ServiceDefinitionLike>(
    definition: D,
    options: Omit<RpcClientOptions<D>, 'metrics' | 'resilienceMetrics' | 'linkFaults'>,
  ): RpcClient<D> & { readonly $rpc: RpcClientHandle } {
    const client = createRpcClient(definition, {
      ...options,
      metrics: this.#metrics,
      ...(this.#linkFaults !== undefined && { linkFaults: this.#linkFaults }),
      ...(this.#resilienceMetrics !== undefined && { resilienceMetrics: this.#resilienceMetrics }),
    });
    this.#open.push(client.$rpc);
    return client;
  }

  closeAll(): void {
    for (const handle of this.#open.splice(0)) handle.close();
  }
}
