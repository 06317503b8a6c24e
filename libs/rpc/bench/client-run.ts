/**
 * One measured client in its own process, for the tracing-on comparison: the same `@rebound/rpc` client (full
 * pipeline and metrics) with tracing off, or on when started through `traced.ts`. Prints one JSON `RunResult`.
 *
 * Usage: node --conditions=development bench/client-run.ts <host:port> closed <concurrency> <runMs>
 *        node --conditions=development bench/client-run.ts <host:port> open <rate> <runMs>
 */

import { catalogV1 } from '@rebound/contracts';
import { createMetricsRegistry, createRedMetrics, createResilienceMetrics } from '@rebound/observability';
import { createRpcClient } from '../src/index.ts';
import { runClosed, runOpen } from './load.ts';

const [address, mode, amount, runMs] = process.argv.slice(2);
if (address === undefined || (mode !== 'closed' && mode !== 'open')) {
  throw new Error('usage: client-run.ts <host:port> closed|open <concurrency|rate> <runMs>');
}
const registry = createMetricsRegistry({ service: 'bench-client' });
const client = createRpcClient(catalogV1.CatalogServiceService, {
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
const call = (id: string) => client.getProduct({ id });
const result =
  mode === 'closed'
    ? await runClosed(call, Number(amount), Number(runMs), 300)
    : await runOpen(call, Number(amount), Number(runMs), 5_000);
client.$rpc.close();
console.log(JSON.stringify(result));
