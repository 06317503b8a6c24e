import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { createMetricsRegistry, createRedMetrics, createResilienceMetrics } from '@rebound/observability';
import { constantBackoff } from '@rebound/resilience';
import { createRpcClient, RpcError } from '../src/index.ts';
import { CatalogService, product, startReplica } from './support.ts';

describe('rpc metrics', () => {
  const cleanup: (() => void)[] = [];
  after(() => {
    for (const fn of cleanup) fn();
  });

  it('records RED metrics on both sides and resilience decisions by method', async () => {
    const serverRegistry = createMetricsRegistry({ service: 'catalog', runtimeMetrics: false });
    const clientRegistry = createMetricsRegistry({ service: 'gateway', runtimeMetrics: false });
    let fail = 1;
    const replica = await startReplica(
      (request) => {
        if (fail-- > 0) throw new RpcError(status.UNAVAILABLE, 'blip');
        return product(request.id);
      },
      {
        metrics: createRedMetrics(serverRegistry, 'rpc_server'),
        resilienceMetrics: createResilienceMetrics(serverRegistry),
      },
    );
    cleanup.push(() => replica.server.forceShutdown());
    const client = createRpcClient(CatalogService, {
      target: [replica.address],
      metrics: createRedMetrics(clientRegistry, 'rpc_client'),
      resilienceMetrics: createResilienceMetrics(clientRegistry),
      methods: { getProduct: { idempotent: true, retry: { backoff: constantBackoff(0) } } },
    });
    cleanup.push(() => client.$rpc.close());
    await client.getProduct({ id: '1' });
    const op = 'operation="rebound.catalog.v1.CatalogService/GetProduct"';
    const serverText = (await serverRegistry.metrics()).split('\n');
    assert.ok(
      serverText.includes(`rebound_rpc_server_requests_total{${op},outcome="OK",service="catalog"} 1`),
    );
    assert.ok(
      serverText.includes(
        `rebound_rpc_server_requests_total{${op},outcome="UNAVAILABLE",service="catalog"} 1`,
      ),
    );
    const clientText = (await clientRegistry.metrics()).split('\n');
    assert.ok(
      clientText.includes(`rebound_rpc_client_requests_total{${op},outcome="OK",service="gateway"} 1`),
    );
    const target = 'policy="rpc_client",target="rebound.catalog.v1.CatalogService/GetProduct"';
    assert.ok(clientText.includes(`rebound_resilience_retries_total{${target},service="gateway"} 1`));
    assert.ok(clientText.includes(`rebound_resilience_breaker_state{${target},service="gateway"} 0`));
  });
});
