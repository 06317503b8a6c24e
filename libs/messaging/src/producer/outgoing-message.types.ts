import type { MessageHeaders } from '../headers.codec.ts';

/** One event to publish. */
export interface OutgoingMessage {
  readonly key: string;
  readonly value: string;
  /** Event id (dedupe key of idempotent consumers) and type; written as `event-id` / `event-type` headers. */
  readonly id?: string;
  readonly type?: string;
  readonly traceparent?: string;
  readonly headers?: MessageHeaders;
  /** Only for replays and tests: Kafka picks the partition from the key otherwise. */
  readonly partition?: number;
}
