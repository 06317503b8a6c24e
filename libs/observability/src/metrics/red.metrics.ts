import { Counter, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS } from './buckets.constants.ts';

/** Which side of a call the metrics describe; it names the series (`rebound_rpc_server_…`). */
export type CallSide = 'rpc_server' | 'rpc_client' | 'http_server' | 'kafka_handler';

/** Rate, errors and duration for one side of a kind of call, labelled by operation and outcome. */
export interface RedMetrics {
  /** Records one finished call; `outcome` is the gRPC code name, HTTP status or handler result. */
  observe(operation: string, outcome: string, durationSeconds: number): void;
}

/**
 * RED metrics as two series: `rebound_<side>_requests_total{operation,outcome}` and
 * `rebound_<side>_duration_seconds{operation,outcome}`. Errors are the requests whose outcome is not
 * a success; recording rules derive the error ratio, so no third series is needed.
 */
export function createRedMetrics(registry: Registry, side: CallSide): RedMetrics {
  const requests = new Counter({
    name: `rebound_${side}_requests_total`,
    help: `Finished ${side.replace('_', ' ')} calls by operation and outcome.`,
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: `rebound_${side}_duration_seconds`,
    help: `Duration of ${side.replace('_', ' ')} calls by operation and outcome.`,
    labelNames: ['operation', 'outcome'] as const,
    buckets: [...LATENCY_BUCKETS_SECONDS],
    registers: [registry],
  });
  return {
    observe(operation, outcome, durationSeconds) {
      requests.inc({ operation, outcome });
      duration.observe({ operation, outcome }, durationSeconds);
    },
  };
}
