/** Record header names written by the producer, the relay and the retry/DLQ routing. */
export const HEADER_EVENT_ID = 'event-id';
export const HEADER_EVENT_TYPE = 'event-type';
/** W3C trace context (`00-<trace>-<span>-<flags>`), carried from the writer to every consumer. */
export const HEADER_TRACEPARENT = 'traceparent';
/** 1 on the original topic, 2 on `.retry.1`, …: how many times the handler will have run. */
export const HEADER_ATTEMPT = 'x-attempt';
/** Epoch milliseconds before which a retry-topic record must not be handled. */
export const HEADER_NOT_BEFORE = 'x-not-before';
export const HEADER_ORIGINAL_TOPIC = 'x-original-topic';
export const HEADER_ORIGINAL_PARTITION = 'x-original-partition';
export const HEADER_ORIGINAL_OFFSET = 'x-original-offset';
/** The last failure's message (trimmed to 1000 characters). */
export const HEADER_FAILURE_REASON = 'x-failure-reason';
export const HEADER_FAILED_AT = 'x-failed-at';
/** Set on records replayed from the dead-letter topic: the DLQ offset they came from. */
export const HEADER_REPLAYED_FROM = 'x-replayed-from-dlq-offset';

/** Delays before the 1st, 2nd, … redelivery through `<topic>.retry.<n>`; then the dead-letter topic. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 10_000];
export const DEFAULT_MAX_IN_FLIGHT = 4;
export const DEFAULT_RELAY_BATCH_SIZE = 100;
export const DEFAULT_RELAY_POLL_MS = 500;
export const DEFAULT_RELAY_BACKOFF_BASE_MS = 200;
export const DEFAULT_RELAY_BACKOFF_MAX_MS = 30_000;
export const DEFAULT_OUTBOX_TABLE = 'outbox';
export const DEFAULT_PROCESSED_TABLE = 'processed_messages';
