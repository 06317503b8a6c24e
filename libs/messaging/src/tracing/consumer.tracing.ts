import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { withRemoteParent } from '@rebound/observability';

export interface ProcessedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly id: string;
  readonly key: string | null;
  readonly attempt: number;
  readonly traceparent: string | undefined;
}

const tracer = trace.getTracer('@rebound/messaging');

/**
 * Runs the handling of one record in a `process` span that is a child of the span that sent it (its
 * `traceparent` header), so a consumer's work, its database writes and its log lines join the producer's trace.
 */
export function processTraced<T>(record: ProcessedRecord, work: (span: Span) => Promise<T>): Promise<T> {
  return withRemoteParent(record.traceparent, () =>
    tracer.startActiveSpan(
      `process ${record.topic}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'messaging.destination.name': record.topic,
          'messaging.destination.partition.id': String(record.partition),
          'messaging.kafka.offset': Number(record.offset),
          'messaging.message.id': record.id,
          ...(record.key !== null && { 'messaging.kafka.message.key': record.key }),
          'rebound.attempt': record.attempt,
        },
      },
      async (span) => {
        try {
          return await work(span);
        } catch (error) {
          markFailed(span, error);
          throw error;
        } finally {
          span.end();
        }
      },
    ),
  );
}

/** Marks the span failed with the error, for failures the work handles itself (retry or dead-letter routing). */
export function markFailed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}
