export * from './constants.ts';
export type { PartitionLag } from './consumer/consumer-lag.reader.ts';
export { consumerLag } from './consumer/consumer-lag.reader.ts';
export type {
  ConsumedEvent,
  ConsumerStatus,
  EventHandler,
  HandlerOutcome,
  IdempotentConsumer,
  IdempotentConsumerOptions,
} from './consumer/idempotent.consumer.ts';
export { createIdempotentConsumer } from './consumer/idempotent.consumer.ts';
export type { FailedRecord, Route } from './consumer/retry.router.ts';
export { deadLetterTopic, retryTopic, routeFailure, topicsFor } from './consumer/retry.router.ts';
export type { SupervisedConsumerOptions } from './consumer/supervised.consumer.ts';
export { supervisedConsumer } from './consumer/supervised.consumer.ts';
export type { DeadLetter, ReplayOptions } from './dlq/dead-letters.admin.ts';
export { listDeadLetters, replayDeadLetters, replayGroup } from './dlq/dead-letters.admin.ts';
export type { MessageHeaders } from './headers.codec.ts';
export { readHeaders, readTraceparent } from './headers.codec.ts';
export type { CreateKafkaOptions } from './kafka.factory.ts';
export { brokersFromEnv, createKafka } from './kafka.factory.ts';
export {
  consumerOutcomeMetrics,
  registerConsumerLagMetric,
  registerOutboxMetrics,
} from './messaging.metrics.ts';
export type {
  OutboxBacklog,
  OutboxRelay,
  OutboxRelayOptions,
  OutboxRelayStats,
} from './outbox/outbox.relay.ts';
export { createOutboxRelay } from './outbox/outbox.relay.ts';
export { OUTBOX_SQL, PROCESSED_MESSAGES_SQL } from './outbox/outbox.sql.ts';
export type { OutboxEvent } from './outbox/outbox.writer.ts';
export { writeOutbox } from './outbox/outbox.writer.ts';
export type { MessageProducer, OutgoingMessage, ProducerStatus } from './producer/message.producer.ts';
export { createProducer, toKafkaHeaders } from './producer/message.producer.ts';
export { isPublishError, PublishError } from './producer/publish.error.ts';
