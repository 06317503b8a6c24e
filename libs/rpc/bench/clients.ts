/** The two clients every bench part compares: plain grpc-js, and @rebound/rpc with its full pipeline and metrics. */
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { catalogV1 } from '@rebound/contracts';
import { createMetricsRegistry, createRedMetrics, createResilienceMetrics } from '@rebound/observability';
import { createRpcClient } from '../src/index.ts';
import type { Call } from './load.ts';

const Service = catalogV1.CatalogServiceService;

export interface BenchClient {
  readonly call: Call;
  close(): void;
}

export function rawClient(address: string, deadlineMs = 5_000): BenchClient {
  const client = new Client(address, credentials.createInsecure());
  const { path, requestSerialize, responseDeserialize } = Service.getProduct;
  const call: Call = (id) =>
    new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        path,
        requestSerialize,
        responseDeserialize,
        { id },
        new Metadata(),
        { deadline: Date.now() + deadlineMs },
        (error: ServiceError | null, value?: unknown) => (error ? reject(error) : resolve(value)),
      );
    });
  return { call, close: () => client.close() };
}

export function reboundClient(address: string): BenchClient {
  const registry = createMetricsRegistry({ service: 'bench-client' });
  const client = createRpcClient(Service, {
    target: [address],
    metrics: createRedMetrics(registry, 'rpc_client'),
    resilienceMetrics: createResilienceMetrics(registry),
    methods: {
      getProduct: {
        idempotent: true,
        timeoutMs: 5_000,
        retry: { maxRetries: 2 },
        breaker: { consecutiveFailures: 5 },
      },
    },
  });
  return { call: (id) => client.getProduct({ id }), close: () => client.$rpc.close() };
}
