import { HEAL_PANELS, type Panel as HealPanel, seriesExpr } from '@rebound/grafana';

/**
 * The Grafana dashboards, generated so that every panel has the same shape and the tests can read every
 * expression: `pnpm dashboards` writes `infra/grafana/dashboards/*.json`. The heal view's panels come from
 * `@rebound/grafana`'s catalogue, the one source the console's heal view reads too.
 */

export interface Panel {
  readonly title: string;
  readonly unit: string;
  /** PromQL → legend. */
  readonly targets: readonly (readonly [expr: string, legend: string])[];
  readonly description?: string;
  /** Names of a state gauge's values (0 → states[0]), as Grafana value mappings. */
  readonly states?: readonly string[];
}

/** A catalogue panel as a dashboard panel: same title, unit, description and figures. */
export function fromCatalogue(panel: HealPanel): Panel {
  return {
    title: panel.title,
    unit: panel.unit,
    description: panel.description,
    targets: panel.series.map((series) => [seriesExpr(panel, series), series.legend] as const),
    ...(panel.states && { states: panel.states }),
  };
}

function healPanel(id: string): Panel {
  const panel = HEAL_PANELS.find((p) => p.id === id);
  if (!panel) throw new Error(`no heal panel '${id}' in @rebound/grafana`);
  return fromCatalogue(panel);
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  /** A `service` template variable (label values of `up`) the expressions use as `$service`. */
  readonly serviceVariable?: boolean;
  readonly panels: readonly Panel[];
}

const DATASOURCE = { type: 'prometheus', uid: 'prometheus' } as const;
const R = '$__rate_interval';
const SVC = 'service=~"$service"';

export const DASHBOARDS: readonly DashboardSpec[] = [
  {
    uid: 'rebound-heal',
    title: 'Rebound / Heal view',
    description:
      'The console heal view’s panels, from the same catalogue (@rebound/grafana): per service success ratio, rate and p99; resilience decisions per dependency; the gateway’s edge decisions; processes; alerts.',
    panels: HEAL_PANELS.map(fromCatalogue),
  },
  {
    uid: 'rebound-overview',
    title: 'Rebound / Platform overview',
    description: 'Golden signals per service: traffic, errors, latency, saturation; the checkout SLOs.',
    panels: [
      {
        title: 'Checkout error budget burn (availability, latency)',
        unit: 'percentunit',
        targets: [
          ['slo:checkout_availability:error_ratio_rate1h', '5xx ratio, 1h'],
          ['slo:checkout_availability:error_ratio_rate5m', '5xx ratio, 5m'],
          ['slo:checkout_latency:error_ratio_rate1h', 'over 1s, 1h'],
          ['slo:checkout_latency:error_ratio_rate5m', 'over 1s, 5m'],
        ],
      },
      ...['rate', 'successRatio', 'p99'].map(healPanel),
      {
        title: 'Saturation: in-flight work and event-loop lag',
        unit: 'short',
        targets: [
          ['sum by (service) (rebound_rpc_server_handlers_inflight)', '{{service}} gRPC handlers in flight'],
          ['sum by (service) (rebound_gateway_inflight_requests)', '{{service}} HTTP in flight'],
          ['min by (service) (rebound_gateway_concurrency_limit)', '{{service}} concurrency limit'],
        ],
      },
      {
        title: 'Instances up / restarts (1h)',
        unit: 'short',
        targets: [
          ['sum by (service) (up{job=~"rebound-.*"})', '{{service}} up'],
          ['sum by (service) (increase(rebound_supervisor_restarts_total[1h]))', '{{service}} restarts'],
        ],
      },
    ],
  },
  {
    uid: 'rebound-service',
    title: 'Rebound / Service detail',
    description: 'RED per operation (served and called) and the resilience decisions of one service.',
    serviceVariable: true,
    panels: [
      {
        title: 'Served: requests/s by operation and outcome',
        unit: 'reqps',
        targets: [
          [
            `sum by (operation, outcome) (rate(rebound_rpc_server_requests_total{${SVC}}[${R}]))`,
            '{{operation}} {{outcome}}',
          ],
          [
            `sum by (operation, outcome) (rate(rebound_http_server_requests_total{${SVC}}[${R}]))`,
            '{{operation}} {{outcome}}',
          ],
        ],
      },
      {
        title: 'Served: latency p50 / p99 by operation',
        unit: 's',
        targets: [
          [
            `histogram_quantile(0.5, sum by (operation, le) (rate(rebound_rpc_server_duration_seconds_bucket{${SVC}}[${R}])))`,
            'p50 {{operation}}',
          ],
          [
            `histogram_quantile(0.99, sum by (operation, le) (rate(rebound_rpc_server_duration_seconds_bucket{${SVC}}[${R}])))`,
            'p99 {{operation}}',
          ],
          [
            `histogram_quantile(0.99, sum by (operation, le) (rate(rebound_http_server_duration_seconds_bucket{${SVC}}[${R}])))`,
            'p99 {{operation}}',
          ],
        ],
      },
      {
        title: 'Called: requests/s to dependencies by operation and outcome',
        unit: 'reqps',
        targets: [
          [
            `sum by (operation, outcome) (rate(rebound_rpc_client_requests_total{${SVC}}[${R}]))`,
            '{{operation}} {{outcome}}',
          ],
        ],
      },
      {
        title: 'Called: latency p99 by operation',
        unit: 's',
        targets: [
          [
            `histogram_quantile(0.99, sum by (operation, le) (rate(rebound_rpc_client_duration_seconds_bucket{${SVC}}[${R}])))`,
            '{{operation}}',
          ],
        ],
      },
      {
        title: 'Resilience at the edge: sheds, throttles, blocks, fallbacks (per second)',
        unit: 'reqps',
        targets: [
          [
            `sum by (priority, reason) (rate(rebound_gateway_shed_total{${SVC}}[${R}]))`,
            'shed {{priority}} {{reason}}',
          ],
          [`sum (rate(rebound_gateway_throttled_total{${SVC}}[${R}]))`, 'throttled'],
          [`sum (rate(rebound_gateway_blocked_requests_total{${SVC}}[${R}]))`, 'blocked'],
          [
            `sum by (source) (rate(rebound_gateway_fallback_served_total{${SVC}}[${R}]))`,
            'fallback {{source}}',
          ],
          [
            `sum by (outcome) (rate(rebound_gateway_idempotency_total{${SVC}}[${R}]))`,
            'idempotency {{outcome}}',
          ],
        ],
      },
      {
        title: 'Circuit breakers (0 closed, 1 open, 2 half-open, 3 isolated)',
        unit: 'short',
        targets: [[`max by (target) (rebound_resilience_breaker_state{${SVC}})`, '{{target}}']],
      },
      {
        title: 'Client resilience decisions (per second)',
        unit: 'short',
        targets: [
          [`sum by (target) (rate(rebound_resilience_retries_total{${SVC}}[${R}]))`, 'retry {{target}}'],
          [
            `sum by (target) (rate(rebound_resilience_budget_exhausted_total{${SVC}}[${R}]))`,
            'budget exhausted {{target}}',
          ],
          [
            `sum by (target) (rate(rebound_resilience_breaker_rejections_total{${SVC}}[${R}]))`,
            'breaker rejected {{target}}',
          ],
          [
            `sum by (target, reason) (rate(rebound_resilience_ejections_total{${SVC}}[${R}]))`,
            'ejected {{target}} {{reason}}',
          ],
        ],
      },
      {
        title: 'Faults switched on',
        unit: 'short',
        targets: [
          [`max by (fault) (rebound_fault_active{${SVC}})`, '{{fault}}'],
          [
            `sum by (fault) (increase(rebound_fault_injections_total{${SVC}}[5m]))`,
            '{{fault}} injections (5m)',
          ],
        ],
      },
      {
        title: 'Checkout sagas and payments processor',
        unit: 'short',
        targets: [
          [`sum by (outcome) (rate(rebound_orders_sagas_total{${SVC}}[${R}]))`, 'saga {{outcome}}'],
          [
            `sum by (operation, outcome) (rate(rebound_payments_processor_calls_total{${SVC}}[${R}]))`,
            'processor {{operation}} {{outcome}}',
          ],
        ],
      },
    ],
  },
  {
    uid: 'rebound-kafka',
    title: 'Rebound / Kafka',
    description:
      'Consumer throughput, errors, lag and dead letters as the services export them (any broker), the outbox, and the development broker’s own view.',
    panels: [
      {
        title: 'Records handled per topic and outcome (records/s)',
        unit: 'short',
        description:
          'Every record a consumer finished: processed, duplicate (already applied), retry, dead_letter.',
        targets: [
          [
            `sum by (service, operation, outcome) (rate(rebound_kafka_handler_requests_total[${R}]))`,
            '{{service}} {{operation}} {{outcome}}',
          ],
        ],
      },
      {
        title: 'Handler latency p99',
        unit: 's',
        targets: [
          [
            `histogram_quantile(0.99, sum by (service, operation, le) (rate(rebound_kafka_handler_duration_seconds_bucket[${R}])))`,
            '{{service}} {{operation}}',
          ],
        ],
      },
      {
        title: 'Consumer lag (records)',
        unit: 'short',
        description:
          'Committed offset to high watermark per group and topic (retry topics included), read by the consumers through the Kafka admin API; replicas deduplicated. ConsumerLagGrowing reads it.',
        targets: [['service_group_topic:rebound_kafka_consumer_lag:sum', '{{group}} on {{topic}}']],
      },
      {
        title: 'Retries and dead letters (records/s)',
        unit: 'short',
        description:
          'Records forwarded to a retry topic, and records written to <topic>.dlq after their last attempt. DeadLetterQueueNotEmpty fires on any dead letter within an hour.',
        targets: [
          [`sum by (service, topic) (rate(rebound_kafka_retries_total[${R}]))`, '{{topic}} to retry'],
          [`sum by (service, topic) (rate(rebound_kafka_dlq_messages_total[${R}]))`, '{{topic}} to DLQ'],
        ],
      },
      {
        title: 'Dead letters written in the last hour',
        unit: 'short',
        description: 'What DeadLetterQueueNotEmpty reads: above 0 for an hour after each dead letter.',
        targets: [['service_topic:rebound_kafka_dlq_messages:increase1h', '{{service}}: {{topic}}.dlq']],
      },
      {
        title: 'Outbox: backlog and age of the oldest unpublished row',
        unit: 'short',
        targets: [
          ['sum by (instance) (rebound_outbox_backlog_messages)', '{{instance}} rows'],
          ['max by (instance) (rebound_outbox_oldest_age_seconds)', '{{instance}} oldest (s)'],
          [`sum by (instance) (rate(rebound_outbox_published_total[${R}]))`, '{{instance}} published/s'],
          [
            `sum by (instance) (rate(rebound_outbox_publish_failures_total[${R}]))`,
            '{{instance}} failures/s',
          ],
        ],
      },
      {
        title: 'Dev broker: records in per topic (records/s)',
        unit: 'short',
        description: 'Series of infra/kafka-dev only; empty on Apache Kafka.',
        targets: [[`sum by (topic) (rate(rebound_kafka_dev_records_in_total[${R}]))`, '{{topic}}']],
      },
      {
        title: 'Dev broker: bytes in / out (bytes/s) and requests',
        unit: 'Bps',
        description: 'Series of infra/kafka-dev only; empty on Apache Kafka.',
        targets: [
          [`sum (rate(rebound_kafka_dev_bytes_in_total[${R}]))`, 'in'],
          [`sum (rate(rebound_kafka_dev_bytes_out_total[${R}]))`, 'out'],
          [`sum by (api) (rate(rebound_kafka_dev_requests_total[${R}]))`, '{{api}} requests/s'],
        ],
      },
      {
        title: 'Dev broker: its own lag and dead-letter topic size (records)',
        unit: 'short',
        description:
          'The broker-side view, to cross-check the consumers’ figures: lag per group and topic, and every record a <topic>.dlq ever received (replays do not remove them). Series of infra/kafka-dev only; empty on Apache Kafka.',
        targets: [
          ['sum by (group, topic) (rebound_kafka_dev_consumer_lag)', 'lag {{group}} on {{topic}}'],
          ['sum by (topic) (rebound_kafka_dev_log_end_offset{topic=~".+\\\\.dlq"})', '{{topic}} size'],
        ],
      },
      {
        title: 'Dev broker: groups by state, connections, partitions',
        unit: 'short',
        description: 'Series of infra/kafka-dev only; empty on Apache Kafka.',
        targets: [
          ['sum by (state) (rebound_kafka_dev_groups)', '{{state}}'],
          ['sum (rebound_kafka_dev_connections)', 'connections'],
          ['sum (rebound_kafka_dev_partitions)', 'partitions'],
        ],
      },
    ],
  },
  {
    uid: 'rebound-runtime',
    title: 'Rebound / Node runtime',
    description: 'Event loop, heap, GC, CPU and handles of every Node process.',
    serviceVariable: true,
    panels: [
      {
        title: 'Event-loop delay p90 (overload signal)',
        unit: 's',
        targets: [[`rebound_overload_signal{reading="delay_seconds",${SVC}}`, '{{instance}}']],
      },
      {
        title: 'Heap used of the V8 limit',
        unit: 'percentunit',
        targets: [
          [
            `sum by (instance) (nodejs_heap_space_size_used_bytes{${SVC}}) / (sum by (instance) (nodejs_heap_space_size_used_bytes{${SVC}}) + sum by (instance) (nodejs_heap_space_size_available_bytes{${SVC}}))`,
            '{{instance}}',
          ],
        ],
      },
      {
        title: 'Memory (bytes)',
        unit: 'bytes',
        targets: [
          [`process_resident_memory_bytes{${SVC}}`, '{{instance}} RSS'],
          [`nodejs_heap_size_used_bytes{${SVC}}`, '{{instance}} heap used'],
          [`rebound_fault_leaked_bytes{${SVC}}`, '{{instance}} leaked by fault'],
        ],
      },
      {
        title: 'GC time (share of wall time) by kind',
        unit: 'percentunit',
        targets: [
          [
            `sum by (instance, kind) (rate(nodejs_gc_duration_seconds_sum{${SVC}}[${R}]))`,
            '{{instance}} {{kind}}',
          ],
        ],
      },
      {
        title: 'CPU (cores)',
        unit: 'short',
        targets: [[`rate(process_cpu_seconds_total{${SVC}}[${R}])`, '{{instance}}']],
      },
      {
        title: 'Active handles and open file descriptors',
        unit: 'short',
        targets: [
          [`nodejs_active_handles_total{${SVC}}`, '{{instance}} handles'],
          [`process_open_fds{${SVC}}`, '{{instance}} fds'],
        ],
      },
    ],
  },
];

/** A dashboard as Grafana's JSON model (schema 39): two panels a row, each a time series. */
export function dashboardJson(spec: DashboardSpec): Record<string, unknown> {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['rebound'],
    schemaVersion: 39,
    editable: true,
    refresh: '10s',
    time: { from: 'now-30m', to: 'now' },
    templating: {
      list: spec.serviceVariable
        ? [
            {
              name: 'service',
              label: 'service',
              type: 'query',
              datasource: DATASOURCE,
              query: { query: 'label_values(up{job=~"rebound-.*"}, service)', refId: 'service' },
              definition: 'label_values(up{job=~"rebound-.*"}, service)',
              includeAll: true,
              multi: true,
              refresh: 2,
              current: { text: 'All', value: '$__all' },
            },
          ]
        : [],
    },
    panels: spec.panels.map((panel, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: panel.title,
      ...(panel.description !== undefined && { description: panel.description }),
      datasource: DATASOURCE,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: {
        defaults: {
          unit: panel.unit,
          ...(panel.states && {
            mappings: [
              {
                type: 'value',
                options: Object.fromEntries(
                  panel.states.map((text, index) => [String(index), { text, index }]),
                ),
              },
            ],
          }),
        },
        overrides: [],
      },
      options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
      targets: panel.targets.map(([expr, legendFormat], j) => ({
        datasource: DATASOURCE,
        expr,
        legendFormat,
        refId: String.fromCharCode(65 + j),
      })),
    })),
  };
}
