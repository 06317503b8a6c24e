import type { RedMetrics } from '@rebound/observability';
import {
  createRpcClient,
  type RpcClient,
  type RpcClientHandle,
  type RpcClientOptions,
  type ServiceDefinitionLike,
} from '@rebound/rpc';

/** Makes outgoing `@rebound/rpc` clients with the process's client metrics, and closes them all at shutdown. */
export class RpcClients {
  readonly #metrics: RedMetrics;
  readonly #open: RpcClientHandle[] = [];

  constructor(metrics: RedMetrics) {
    this.#metrics = metrics;
  }

  create<D extends ServiceDefinitionLike>(
    definition: D,
    options: Omit<RpcClientOptions<D>, 'metrics'>,
  ): RpcClient<D> & { readonly $rpc: RpcClientHandle } {
    const client = createRpcClient(definition, { ...options, metrics: this.#metrics });
    this.#open.push(client.$rpc);
    return client;
  }

  closeAll(): void {
    for (const handle of this.#open.splice(0)) handle.close();
  }
}
