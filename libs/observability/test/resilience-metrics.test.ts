import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetricsRegistry, createResilienceMetrics } from '../src/index.ts';

/** A minimal event source with the shape resilience policies expose. */
function source<T>() {
  const listeners = new Set<(e: T) => void>();
  const on = (listener: (e: T) => void) => {
    listeners.add(listener);
    return { dispose: () => listeners.delete(listener) };
  };
  const emit = (e: T) => {
    for (const listener of listeners) listener(e);
  };
  return { on, emit, size: () => listeners.size };
}

describe('createResilienceMetrics', () => {
  it('counts retries, give-ups, budget exhaustion, breaker changes, rejections, sheds, fallbacks and hedges', async () => {
    const registry = createMetricsRegistry({ service: 'orders', runtimeMetrics: false });
    const metrics = createResilienceMetrics(registry);
    const labels = { policy: 'rpc_client', target: 'payments/Charge' };
    const retry = source<unknown>();
    const giveUp = source<{ reason: string }>();
    const budget = source<unknown>();
    const change = source<{ from: string; to: string }>();
    const reject = source<unknown>();
    const shed = source<{ priority: string }>();
    const fallback = source<unknown>();
    const bulkhead = source<unknown>();
    const limiter = source<unknown>();
    const hedge = source<{ trigger: string }>();
    const settle = source<{ winner: number }>();
    const disposeRetry = metrics.bindRetry({ onRetry: retry.on, onGiveUp: giveUp.on }, labels);
    metrics.bindBudget({ onExhausted: budget.on }, labels);
    metrics.bindBreaker({ onStateChange: change.on, onReject: reject.on, state: 'closed' }, labels);
    metrics.bindShedder({ onShed: shed.on }, { policy: 'rpc_server', target: 'payments' });
    metrics.bindFallback({ onFallback: fallback.on }, labels);
    metrics.bindBulkhead({ onReject: bulkhead.on }, labels);
    metrics.bindRateLimiter({ onReject: limiter.on }, labels);
    metrics.bindHedging({ onHedge: hedge.on, onSettle: settle.on }, labels);
    retry.emit({});
    retry.emit({});
    giveUp.emit({ reason: 'budget' });
    budget.emit({});
    change.emit({ from: 'closed', to: 'open' });
    reject.emit({});
    shed.emit({ priority: 'sheddable' });
    fallback.emit({});
    bulkhead.emit({});
    limiter.emit({});
    hedge.emit({ trigger: 'delay' });
    settle.emit({ winner: 1 });
    settle.emit({ winner: 0 });
    metrics.count('ejections', { policy: 'outlier', target: 'catalog', reason: 'consecutive-failures' });
    const text = await registry.metrics();
    const has = (name: string, labels: string, value: number) =>
      assert.ok(
        text.split('\n').includes(`${name}{${labels},service="orders"} ${value}`),
        `${name}{${labels}}`,
      );
    const l = 'policy="rpc_client",target="payments/Charge"';
    has('rebound_resilience_retries_total', l, 2);
    has('rebound_resilience_give_ups_total', `${l},reason="budget"`, 1);
    has('rebound_resilience_budget_exhausted_total', l, 1);
    has('rebound_resilience_breaker_transitions_total', `${l},from="closed",to="open"`, 1);
    has('rebound_resilience_breaker_state', l, 1);
    has('rebound_resilience_breaker_rejections_total', l, 1);
    has('rebound_resilience_sheds_total', 'policy="rpc_server",target="payments",priority="sheddable"', 1);
    has('rebound_resilience_fallbacks_total', l, 1);
    has('rebound_resilience_bulkhead_rejections_total', l, 1);
    has('rebound_resilience_limiter_rejections_total', l, 1);
    has('rebound_resilience_hedges_total', `${l},trigger="delay"`, 1);
    has('rebound_resilience_hedge_wins_total', l, 1);
    has(
      'rebound_resilience_ejections_total',
      'policy="outlier",target="catalog",reason="consecutive-failures"',
      1,
    );
    disposeRetry();
    assert.equal(retry.size(), 0, 'disposing unsubscribes');
  });
});
