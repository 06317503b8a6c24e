import { createRedMetrics } from '@rebound/observability';
import { timeout } from '@rebound/resilience';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PartitionLag } from './consumer/consumer-lag.reader.ts';
import type { ConsumedEvent, HandlerOutcome, IdempotentConsumer } from './consumer/idempotent.consumer.ts';
import type { OutboxRelay } from './outbox/outbox.relay.ts';

/**
 * Outbox gauges read at scrape time: `rebound_outbox_backlog_messages`, `rebound_outbox_oldest_age_seconds`,
 * and `rebound_outbox_published_total` / `rebound_outbox_publish_failures_total` from the relay's counters.
 */
export function registerOutboxMetrics(registry: Registry, relay: OutboxRelay): void {
  new Gauge({
    name: 'rebound_outbox_backlog_messages',
    help: 'Outbox rows not yet published to Kafka.',
    registers: [registry],
    async collect() {
      this.set((await relay.backlog()).count);
    },
  });
  new Gauge({
    name: 'rebound_outbox_oldest_age_seconds',
    help: 'Age of the oldest unpublished outbox row (0 when empty).',
    registers: [registry],
    async collect() {
      this.set((await relay.backlog()).oldestAgeSeconds);
    },
  });
  new Counter({
    name: 'rebound_outbox_published_total',
    help: 'Outbox rows published and marked sent.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(relay.stats.published);
    },
  });
  new Counter({
    name: 'rebound_outbox_publish_failures_total',
    help: 'Relay rounds that failed (broker or database unavailable) and backed off.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(relay.stats.failures);
    },
  });
}

/** How long a scrape waits for the lag before it gives up on it (a broker outage must not stall `/metrics`). */
const LAG_READ_TIMEOUT_MS = 2_000;

/**
 * `rebound_kafka_consumer_lag{group,topic,partition}` from committed offsets vs high watermarks, at scrape time.
 * When the broker cannot be asked (down, slow), the scrape leaves the lag out and counts
 * `rebound_kafka_consumer_lag_errors_total{group}` instead of failing: the rest of `/metrics` must stay readable
 * during a broker outage, or the whole service would look down. One read at a time; a slow one is shared.
 */
export function registerConsumerLagMetric(
  registry: Registry,
  group: string,
  consumer: IdempotentConsumer,
  readTimeoutMs = LAG_READ_TIMEOUT_MS,
): void {
  const errors = new Counter({
    name: 'rebound_kafka_consumer_lag_errors_total',
    help: 'Scrapes that could not read the consumer lag from the broker (so exported no lag).',
    labelNames: ['group'] as const,
    registers: [registry],
  });
  const bounded = timeout(readTimeoutMs);
  let reading: Promise<PartitionLag[]> | undefined;
  const read = () => {
    reading ??= consumer.lag().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  new Gauge({
    name: 'rebound_kafka_consumer_lag',
    help: 'Records between the group committed offset and the high watermark, per partition.',
    labelNames: ['group', 'topic', 'partition'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const p of await bounded.execute(read))
          this.set({ group, topic: p.topic, partition: String(p.partition) }, p.lag);
      } catch {
        errors.inc({ group });
      }
    },
  });
}

/**
 * An `onOutcome` for {@link createIdempotentConsumer}: RED metrics as `rebound_kafka_handler_*{operation=<topic>,
 * outcome}` plus `rebound_kafka_retries_total{topic}` and `rebound_kafka_dlq_messages_total{topic}`.
 */
export function consumerOutcomeMetrics(
  registry: Registry,
): (event: ConsumedEvent, outcome: HandlerOutcome, durationMs: number) => void {
  const red = createRedMetrics(registry, 'kafka_handler');
  const retries = new Counter({
    name: 'rebound_kafka_retries_total',
    help: 'Records forwarded to a retry topic after a failed attempt.',
    labelNames: ['topic'] as const,
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: 'rebound_kafka_dlq_messages_total',
    help: 'Records sent to the dead-letter topic after their last attempt failed.',
    labelNames: ['topic'] as const,
    registers: [registry],
  });
  return (event, outcome, durationMs) => {
    red.observe(event.topic, outcome, durationMs / 1000);
    if (outcome === 'retry') retries.inc({ topic: event.topic });
    if (outcome === 'dead_letter') deadLetters.inc({ topic: event.topic });
  };
}
