import type { Panel } from './panel.types.ts';

const HTTP_REQUESTS = 'rebound_http_server_requests_total';
const RPC_REQUESTS = 'rebound_rpc_server_requests_total';
/** HTTP: not a 5xx; gRPC: OK (as infra/prometheus's recording rules count errors). */
const HTTP_GOOD = { label: 'outcome', op: '!~', regex: '5..' } as const;
const RPC_GOOD = { label: 'outcome', op: '=~', regex: 'OK' } as const;

/**
 * The panels of the console's heal view and of Grafana's "Rebound / Heal view" dashboard, said once. The heal
 * view computes each figure from every replica's `/metrics` (see `Figure`); `pnpm dashboards` writes the
 * Grafana JSON from the same entries, so the two show the same panels with the same titles and units.
 */
export const HEAL_PANELS: readonly Panel[] = [
  {
    id: 'rate',
    section: 'services',
    title: 'Requests served (per second)',
    unit: 'reqps',
    description: 'Requests every replica of the service finished, whatever their outcome.',
    by: ['service'],
    series: [
      { figure: { kind: 'rate', metric: HTTP_REQUESTS }, legend: '{{service}} HTTP' },
      { figure: { kind: 'rate', metric: RPC_REQUESTS }, legend: '{{service}} gRPC' },
    ],
  },
  {
    id: 'successRatio',
    section: 'services',
    title: 'Success ratio',
    unit: 'percentunit',
    description: 'Requests served that were not errors (HTTP: not 5xx; gRPC: OK), over all served.',
    by: ['service'],
    series: [
      { figure: { kind: 'ratio', metric: HTTP_REQUESTS, good: HTTP_GOOD }, legend: '{{service}} HTTP' },
      { figure: { kind: 'ratio', metric: RPC_REQUESTS, good: RPC_GOOD }, legend: '{{service}} gRPC' },
    ],
  },
  {
    id: 'p99',
    section: 'services',
    title: 'Latency p99',
    unit: 's',
    description: 'Server-side duration of the requests served, 99th percentile from the histogram buckets.',
    by: ['service'],
    series: [
      {
        figure: { kind: 'quantile', q: 0.99, metric: 'rebound_http_server_duration_seconds' },
        legend: '{{service}} HTTP',
      },
      {
        figure: { kind: 'quantile', q: 0.99, metric: 'rebound_rpc_server_duration_seconds' },
        legend: '{{service}} gRPC',
      },
    ],
  },
  {
    id: 'breaker',
    section: 'dependencies',
    title: 'Circuit breaker state',
    unit: 'short',
    description:
      'Per caller and dependency method, the worst replica: 0 closed, 1 open, 2 half-open, 3 isolated.',
    by: ['service', 'target'],
    states: ['closed', 'open', 'half-open', 'isolated'],
    series: [
      {
        figure: { kind: 'max', metric: 'rebound_resilience_breaker_state' },
        legend: '{{service}} → {{target}}',
      },
    ],
  },
  {
    id: 'retries',
    section: 'dependencies',
    title: 'Retries',
    unit: 'short',
    description: 'Retries made (idempotent calls, retryable codes), total over the running replicas.',
    by: ['service', 'target'],
    series: [
      {
        figure: { kind: 'sum', metric: 'rebound_resilience_retries_total' },
        legend: '{{service}} → {{target}}',
      },
    ],
  },
  {
    id: 'budgetExhausted',
    section: 'dependencies',
    title: 'Retries refused by the budget',
    unit: 'short',
    description: 'Retries the shared retry budget refused (no retry storm), total over the running replicas.',
    by: ['service', 'target'],
    series: [
      {
        figure: { kind: 'sum', metric: 'rebound_resilience_budget_exhausted_total' },
        legend: '{{service}} → {{target}}',
      },
    ],
  },
  {
    id: 'breakerRejections',
    section: 'dependencies',
    title: 'Calls rejected by an open breaker',
    unit: 'short',
    description: 'Calls failed fast without reaching the dependency, total over the running replicas.',
    by: ['service', 'target'],
    series: [
      {
        figure: { kind: 'sum', metric: 'rebound_resilience_breaker_rejections_total' },
        legend: '{{service}} → {{target}}',
      },
    ],
  },
  {
    id: 'giveUps',
    section: 'dependencies',
    title: 'Give-ups',
    unit: 'short',
    description: 'Calls that failed after their last allowed attempt, total over the running replicas.',
    by: ['service', 'target'],
    series: [
      {
        figure: { kind: 'sum', metric: 'rebound_resilience_give_ups_total' },
        legend: '{{service}} → {{target}}',
      },
    ],
  },
  {
    id: 'fallbacks',
    section: 'edge',
    title: 'Fallbacks served',
    unit: 'short',
    description: 'Answers the gateway served from its last good copy while a dependency failed.',
    by: ['service'],
    series: [
      { figure: { kind: 'sum', metric: 'rebound_gateway_fallback_served_total' }, legend: '{{service}}' },
    ],
  },
  {
    id: 'sheds',
    section: 'edge',
    title: 'Requests shed',
    unit: 'short',
    description:
      'Requests the gateway refused to protect itself (overload, event-loop delay), lowest priority first.',
    by: ['service'],
    series: [{ figure: { kind: 'sum', metric: 'rebound_gateway_shed_total' }, legend: '{{service}}' }],
  },
  {
    id: 'throttled',
    section: 'edge',
    title: 'Requests throttled',
    unit: 'short',
    description: 'Requests over their API key’s rate limit (token bucket).',
    by: ['service'],
    series: [{ figure: { kind: 'sum', metric: 'rebound_gateway_throttled_total' }, legend: '{{service}}' }],
  },
  {
    id: 'blocked',
    section: 'edge',
    title: 'Requests blocked',
    unit: 'short',
    description: 'Requests from a client blocked for misbehaving.',
    by: ['service'],
    series: [
      { figure: { kind: 'sum', metric: 'rebound_gateway_blocked_requests_total' }, legend: '{{service}}' },
    ],
  },
  {
    id: 'ready',
    section: 'processes',
    title: 'Ready',
    unit: 'short',
    description:
      'Replicas passing their readiness probe (the local supervisor). On Kubernetes only ready endpoints are scraped, so `up` counts them.',
    by: ['process'],
    states: ['not ready', 'ready'],
    series: [
      {
        figure: { kind: 'status', metric: 'rebound_supervisor_process_ready', field: 'ready' },
        legend: '{{process}}',
      },
      {
        figure: { kind: 'sum', metric: 'up', match: { label: 'job', op: '=~', regex: 'rebound-.*' } },
        legend: '{{instance}} scraped',
        grafanaOnly: true,
        by: ['service', 'instance'],
      },
    ],
  },
  {
    id: 'restarts',
    section: 'processes',
    title: 'Restarts',
    unit: 'short',
    description:
      'Times the supervisor started the replica again after it exited or failed its liveness probe.',
    by: ['process'],
    series: [
      {
        figure: { kind: 'status', metric: 'rebound_supervisor_restarts_total', field: 'restarts' },
        legend: '{{process}}',
      },
    ],
  },
  {
    id: 'crashLoop',
    section: 'processes',
    title: 'Crash looping',
    unit: 'short',
    description: 'Replicas waiting out a restart back-off (CrashLoopBackOff).',
    by: ['process'],
    states: ['no', 'crash loop'],
    series: [
      {
        figure: { kind: 'status', metric: 'rebound_supervisor_process_crash_loop', field: 'crashLoop' },
        legend: '{{process}}',
      },
    ],
  },
  {
    id: 'alerts',
    section: 'alerts',
    title: 'Alerts firing',
    unit: 'short',
    description:
      'Alerts Prometheus evaluates as firing now, from infra/prometheus/rules (each with a runbook).',
    by: ['alertname'],
    series: [{ figure: { kind: 'alerts', metric: 'ALERTS' }, legend: '{{alertname}}' }],
  },
];
