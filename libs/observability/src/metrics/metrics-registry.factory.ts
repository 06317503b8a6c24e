import { getHeapStatistics } from 'node:v8';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export interface MetricsRegistryOptions {
  /** Added as the `service` label to every series, so one Prometheus job can hold every service. */
  readonly service: string;
  /** Node runtime metrics: event-loop lag, heap, GC, handles, CPU. On by default. */
  readonly runtimeMetrics?: boolean;
}

/** One registry per process; every library registers its metrics on the registry it is handed. */
export function createMetricsRegistry({ service, runtimeMetrics = true }: MetricsRegistryOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (runtimeMetrics) {
    collectDefaultMetrics({
      register: registry,
      prefix: '',
      eventLoopMonitoringPrecision: 10,
      gcDurationBuckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
    });
    // prom-client's heap series say what is used and committed, not how far the heap may grow: this says that.
    new Gauge({
      name: 'rebound_heap_limit_bytes',
      help: 'The most the V8 heap may grow to before the process dies out of memory (heap_size_limit).',
      registers: [registry],
      collect() {
        this.set(getHeapStatistics().heap_size_limit);
      },
    });
  }
  return registry;
}
