import { context, trace } from '@opentelemetry/api';
import { Counter, Gauge, type Registry } from 'prom-client';
import { tracingEnabled } from '../tracing/tracing.state.ts';

/**
 * Subscribe-only event, as every `@rebound/resilience` policy exposes them (`onRetry`, `onShed`…). Restated
 * here so that observability does not depend on the resilience package.
 */
type On<T> = (listener: (event: T) => void) => { dispose(): void };

/** Which policy instance a series is about: `policy` names the decision point, `target` the dependency. */
export interface ResilienceLabels {
  readonly policy: string;
  readonly target: string;
}

const CIRCUIT_STATES = ['closed', 'open', 'half-open', 'isolated'] as const;

/**
 * One metric per resilience decision, named `rebound_resilience_<noun>_<unit>` and labelled by `policy` and
 * `target`. Each `bind…` subscribes to a policy's events and returns a disposer; nothing is measured for a
 * policy that is not bound. With tracing on, each decision is also an event `rebound.resilience.<decision>` on
 * the span active where it was taken (the call it was taken for), so a trace shows why a call was slow or failed.
 */
export interface ResilienceMetrics {
  bindRetry(
    policy: { onRetry: On<unknown>; onGiveUp: On<{ reason: string }> },
    labels: ResilienceLabels,
  ): () => void;
  bindBudget(budget: { onExhausted: On<unknown> }, labels: ResilienceLabels): () => void;
  bindBreaker(
    breaker: {
      onStateChange: On<{ from: string; to: string }>;
      onReject: On<unknown>;
      readonly state: string;
    },
    labels: ResilienceLabels,
  ): () => void;
  bindBulkhead(bulkhead: { onReject: On<unknown> }, labels: ResilienceLabels): () => void;
  bindRateLimiter(limiter: { onReject: On<unknown> }, labels: ResilienceLabels): () => void;
  bindShedder(shedder: { onShed: On<{ priority: string }> }, labels: ResilienceLabels): () => void;
  bindFallback(fallback: { onFallback: On<unknown> }, labels: ResilienceLabels): () => void;
  bindHedging(
    hedging: { onHedge: On<{ trigger: string }>; onSettle: On<{ winner: number }> },
    labels: ResilienceLabels,
  ): () => void;
  /** Counts a decision that is not an event of a policy (an outlier ejection, a shed in a transport). */
  count(
    decision: 'ejections' | 'sheds' | 'fallbacks',
    labels: ResilienceLabels & { reason?: string; priority?: string },
  ): void;
}

/** Registers the resilience series on `registry`; call once per registry. */
export function createResilienceMetrics(registry: Registry): ResilienceMetrics {
  const base = ['policy', 'target'] as const;
  const counter = <L extends string>(name: string, help: string, extra: readonly L[] = []) =>
    new Counter({ name, help, labelNames: [...base, ...extra], registers: [registry] });
  const retries = counter('rebound_resilience_retries_total', 'Retries started.');
  const giveUps = counter('rebound_resilience_give_ups_total', 'Failed calls not retried any further.', [
    'reason',
  ]);
  const exhausted = counter(
    'rebound_resilience_budget_exhausted_total',
    'Retries refused by the retry budget.',
  );
  const transitions = counter(
    'rebound_resilience_breaker_transitions_total',
    'Circuit breaker state changes.',
    ['from', 'to'],
  );
  const breakerRejections = counter(
    'rebound_resilience_breaker_rejections_total',
    'Calls failed fast by an open circuit.',
  );
  const state = new Gauge({
    name: 'rebound_resilience_breaker_state',
    help: 'Circuit breaker state: 0 closed, 1 open, 2 half-open, 3 isolated.',
    labelNames: base,
    registers: [registry],
  });
  const bulkheadRejections = counter(
    'rebound_resilience_bulkhead_rejections_total',
    'Calls refused by a bulkhead.',
  );
  const limiterRejections = counter(
    'rebound_resilience_limiter_rejections_total',
    'Calls refused by a rate limiter.',
  );
  const sheds = counter('rebound_resilience_sheds_total', 'Calls shed by load shedding.', ['priority']);
  const fallbacks = counter('rebound_resilience_fallbacks_total', 'Calls answered by a fallback.');
  const hedges = counter(
    'rebound_resilience_hedges_total',
    'Hedged attempts sent: after the hedge delay (trigger="delay") or at once after a refusal ("failure").',
    ['trigger'],
  );
  const hedgeWins = counter(
    'rebound_resilience_hedge_wins_total',
    'Hedged calls answered by a hedge rather than by the first attempt.',
  );
  const ejections = counter('rebound_resilience_ejections_total', 'Replicas set aside by outlier ejection.', [
    'reason',
  ]);
  const all =
    (...disposables: { dispose(): void }[]) =>
    () => {
      for (const d of disposables) d.dispose();
    };
  const labelsOf = ({ policy, target }: ResilienceLabels) => ({ policy, target });
  return {
    bindRetry(policy, labels) {
      const l = labelsOf(labels);
      return all(
        policy.onRetry(() => {
          retries.inc(l);
          annotate('retry', l);
        }),
        policy.onGiveUp((e) => {
          giveUps.inc({ ...l, reason: e.reason });
          annotate('give_up', { ...l, reason: e.reason });
        }),
      );
    },
    bindBudget(budget, labels) {
      const l = labelsOf(labels);
      return all(
        budget.onExhausted(() => {
          exhausted.inc(l);
          annotate('budget_exhausted', l);
        }),
      );
    },
    bindBreaker(breaker, labels) {
      const l = labelsOf(labels);
      state.set(l, CIRCUIT_STATES.indexOf(breaker.state as (typeof CIRCUIT_STATES)[number]));
      return all(
        breaker.onStateChange((e) => {
          transitions.inc({ ...l, from: e.from, to: e.to });
          state.set(l, CIRCUIT_STATES.indexOf(e.to as (typeof CIRCUIT_STATES)[number]));
          annotate('breaker_transition', { ...l, from: e.from, to: e.to });
        }),
        breaker.onReject(() => {
          breakerRejections.inc(l);
          annotate('breaker_rejected', l);
        }),
      );
    },
    bindHedging(hedging, labels) {
      const l = labelsOf(labels);
      return all(
        hedging.onHedge((e) => {
          hedges.inc({ ...l, trigger: e.trigger });
          annotate('hedge', { ...l, trigger: e.trigger });
        }),
        hedging.onSettle((e) => {
          if (e.winner > 0) hedgeWins.inc(l);
        }),
      );
    },
    bindBulkhead(bulkhead, labels) {
      const l = labelsOf(labels);
      return all(
        bulkhead.onReject(() => {
          bulkheadRejections.inc(l);
          annotate('bulkhead_rejected', l);
        }),
      );
    },
    bindRateLimiter(limiter, labels) {
      const l = labelsOf(labels);
      return all(
        limiter.onReject(() => {
          limiterRejections.inc(l);
          annotate('limiter_rejected', l);
        }),
      );
    },
    bindShedder(shedder, labels) {
      const l = labelsOf(labels);
      return all(
        shedder.onShed((e) => {
          sheds.inc({ ...l, priority: e.priority });
          annotate('shed', { ...l, priority: e.priority });
        }),
      );
    },
    bindFallback(fallback, labels) {
      const l = labelsOf(labels);
      return all(
        fallback.onFallback(() => {
          fallbacks.inc(l);
          annotate('fallback', l);
        }),
      );
    },
    count(decision, labels) {
      const l = labelsOf(labels);
      if (decision === 'ejections') {
        ejections.inc({ ...l, reason: labels.reason ?? 'unknown' });
        annotate('ejection', { ...l, reason: labels.reason ?? 'unknown' });
      } else if (decision === 'sheds') {
        sheds.inc({ ...l, priority: labels.priority ?? 'critical' });
        annotate('shed', { ...l, priority: labels.priority ?? 'critical' });
      } else {
        fallbacks.inc(l);
        annotate('fallback', l);
      }
    },
  };
}

/** Adds `rebound.resilience.<decision>` to the active span, when tracing is on and a span is active. */
function annotate(decision: string, attributes: Readonly<Record<string, string>>): void {
  if (!tracingEnabled()) return;
  trace.getSpan(context.active())?.addEvent(`rebound.resilience.${decision}`, attributes);
}
