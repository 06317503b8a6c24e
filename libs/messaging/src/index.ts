export * from './constants.ts';
export type { PartitionLag } from './consumer/consumer-lag.ts';
export { consumerLag } from './consumer/consumer-lag.ts';
export type {
  ConsumedEvent,
  ConsumerStatus,
  EventHandler,
  HandlerOutcome,
  IdempotentConsumer,
  IdempotentConsumerOptions,
} from './consumer/idempotent-consumer.ts';
export { createIdempotentConsumer } from './consumer/idempotent-consumer.ts';
export type { FailedRecord, Route } from './consumer/retry-routing.ts';
export { deadLetterTopic, retryTopic, routeFailure, topicsFor } from './consumer/retry-routing.ts';
export type { SupervisedConsumerOptions } from './consumer/supervised-consumer.ts';
export { supervisedConsumer } from './consumer/supervised-consumer.ts';
export type { DeadLetter, ReplayOptions } from './dlq/dead-letters.ts';
export { listDeadLetters, replayDeadLetters, replayGroup } from './dlq/dead-letters.ts';
export type { MessageHeaders } from './headers.ts';
export { readHeaders, readTraceparent } from './headers.ts';
export type { CreateKafkaOptions } from './kafka.ts';
export { brokersFromEnv, createKafka } from './kafka.ts';
export {
  consumerOutcomeMetrics,
  registerConsumerLagMetric,
  registerOutboxMetrics,
} from './messaging.metrics.ts';
export { OUTBOX_SQL, PROCESSED_MESSAGES_SQL } from './outbox/outbox.sql.ts';
export type {
  OutboxBacklog,
  OutboxRelay,
  OutboxRelayOptions,
  OutboxRelayStats,
} from './outbox/outbox-relay.ts';
export { createOutboxRelay } from './outbox/outbox-relay.ts';
export type { OutboxEvent } from './outbox/write-outbox.ts';
export { writeOutbox } from './outbox/write-outbox.ts';
export type { MessageProducer, OutgoingMessage, ProducerStatus } from './producer/producer.ts';
export { createProducer, toKafkaHeaders } from './producer/producer.ts';
export { isPublishError, PublishError } from './producer/publish.error.ts';
