import type { RedMetrics } from '@rebound/observability';
import { createRpcClient, type RpcClient, type RpcClientOptions } from '../grpc/grpc-client.ts';

type Definition = RpcClientOptions<never>['definition'];

/** Makes outgoing clients with the process's client metrics, and closes them all at shutdown. */
export class RpcClients {
  readonly #metrics: RedMetrics;
  readonly #open: Array<{ close(): void }> = [];

  constructor(metrics: RedMetrics) {
    this.#metrics = metrics;
  }

  create<D extends Definition>(options: Omit<RpcClientOptions<D>, 'metrics'>): RpcClient<D> {
    const client = createRpcClient({ ...options, metrics: this.#metrics });
    this.#open.push(client);
    return client;
  }

  closeAll(): void {
    for (const client of this.#open.splice(0)) client.close();
  }
}
