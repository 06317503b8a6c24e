import { Counter, Gauge, type Registry } from '@rebound/service-defaults';

/** A counter per edge decision, so that every refusal and every degraded answer is visible. */
export interface EdgeMetrics {
  readonly unauthenticated: Counter<'reason'>;
  readonly throttled: Counter<'client'>;
  readonly blocked: Counter<'client'>;
  readonly blocks: Counter<'client'>;
  readonly shed: Counter<'priority' | 'reason'>;
  readonly fallback: Counter<'source'>;
  readonly idempotentReplays: Counter<'outcome'>;
  readonly concurrencyLimit: Gauge;
  readonly inflight: Gauge;
}

export function createEdgeMetrics(registry: Registry): EdgeMetrics {
  const registers = [registry];
  return {
    unauthenticated: new Counter({
      name: 'rebound_gateway_unauthenticated_total',
      help: 'Requests refused with 401 (missing or unknown API key).',
      labelNames: ['reason'] as const,
      registers,
    }),
    throttled: new Counter({
      name: 'rebound_gateway_throttled_total',
      help: 'Requests refused with 429 by the per-client token bucket.',
      labelNames: ['client'] as const,
      registers,
    }),
    blocked: new Counter({
      name: 'rebound_gateway_blocked_requests_total',
      help: 'Requests refused with 403 because their client is blocked for abuse.',
      labelNames: ['client'] as const,
      registers,
    }),
    blocks: new Counter({
      name: 'rebound_gateway_blocks_total',
      help: 'Times a client was blocked for abuse (too many 429/4xx answers in the window).',
      labelNames: ['client'] as const,
      registers,
    }),
    shed: new Counter({
      name: 'rebound_gateway_shed_total',
      help: 'Requests refused with 503 by load shedding, by priority and reason (concurrency, event-loop).',
      labelNames: ['priority', 'reason'] as const,
      registers,
    }),
    fallback: new Counter({
      name: 'rebound_gateway_fallback_served_total',
      help: 'Answers served from a fallback (catalog-cache) because the dependency failed.',
      labelNames: ['source'] as const,
      registers,
    }),
    idempotentReplays: new Counter({
      name: 'rebound_gateway_idempotency_total',
      help: 'POST /api/orders idempotency outcomes (replayed, joined, conflict).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    concurrencyLimit: new Gauge({
      name: 'rebound_gateway_concurrency_limit',
      help: 'Current adaptive concurrency limit of the edge.',
      registers,
    }),
    inflight: new Gauge({
      name: 'rebound_gateway_inflight_requests',
      help: 'Requests in flight.',
      registers,
    }),
  };
}
