import { createRedMetrics, type RedMetrics } from '@rebound/observability';
import type { Registry } from 'prom-client';

const byRegistry = new WeakMap<Registry, RedMetrics>();

/** `rpc_client` RED metrics, created once per registry (prom-client refuses a second series of one name). */
export function createRpcRedMetrics(registry: Registry): RedMetrics {
  let metrics = byRegistry.get(registry);
  if (metrics === undefined) {
    metrics = createRedMetrics(registry, 'rpc_client');
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
