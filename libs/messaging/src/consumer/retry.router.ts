import {
  HEADER_ATTEMPT,
  HEADER_FAILED_AT,
  HEADER_FAILURE_REASON,
  HEADER_NOT_BEFORE,
  HEADER_ORIGINAL_OFFSET,
  HEADER_ORIGINAL_PARTITION,
  HEADER_ORIGINAL_TOPIC,
} from '../constants.ts';
import type { MessageHeaders } from '../headers.codec.ts';

/** `<topic>.retry.<n>` for n = 1…retries: the nth redelivery waits there. */
export function retryTopic(topic: string, n: number): string {
  return `${topic}.retry.${n}`;
}

/** `<topic>.dlq`: where a record goes when its last attempt failed. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** The main topic, its retry topics and its dead-letter topic. */
export function topicsFor(topic: string, retries: number): { consumed: string[]; deadLetter: string } {
  const consumed = [topic];
  for (let n = 1; n <= retries; n++) consumed.push(retryTopic(topic, n));
  return { consumed, deadLetter: deadLetterTopic(topic) };
}

export interface FailedRecord {
  /** The main topic the consumer was built for. */
  readonly topic: string;
  /** Where the failed record was read (main or retry topic). */
  readonly sourceTopic: string;
  readonly partition: number;
  readonly offset: string;
  readonly headers: MessageHeaders;
  /** 1-based: the attempt that just failed. */
  readonly attempt: number;
  readonly reason: string;
}

export interface Route {
  readonly topic: string;
  readonly headers: Record<string, string>;
  readonly deadLetter: boolean;
}

/**
 * Where a failed record goes next: `<topic>.retry.<attempt>` with a not-before of `nowMs + delays[attempt-1]`
 * while retries remain, else `<topic>.dlq`. Headers keep the event's own (id, type, traceparent), record where it
 * was first read (topic/partition/offset, kept across hops), the attempt count and the failure reason.
 */
export function routeFailure(failed: FailedRecord, delaysMs: readonly number[], nowMs: number): Route {
  const headers: Record<string, string> = { ...failed.headers };
  headers[HEADER_ORIGINAL_TOPIC] = failed.headers[HEADER_ORIGINAL_TOPIC] ?? failed.sourceTopic;
  headers[HEADER_ORIGINAL_PARTITION] = failed.headers[HEADER_ORIGINAL_PARTITION] ?? String(failed.partition);
  headers[HEADER_ORIGINAL_OFFSET] = failed.headers[HEADER_ORIGINAL_OFFSET] ?? failed.offset;
  headers[HEADER_FAILURE_REASON] = failed.reason.slice(0, 1000);
  headers[HEADER_FAILED_AT] = new Date(nowMs).toISOString();
  const delay = delaysMs[failed.attempt - 1];
  if (delay === undefined) {
    headers[HEADER_ATTEMPT] = String(failed.attempt);
    delete headers[HEADER_NOT_BEFORE];
    return { topic: deadLetterTopic(failed.topic), headers, deadLetter: true };
  }
  headers[HEADER_ATTEMPT] = String(failed.attempt + 1);
  headers[HEADER_NOT_BEFORE] = String(nowMs + delay);
  return { topic: retryTopic(failed.topic, failed.attempt), headers, deadLetter: false };
}
