import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { withRemoteParent } from '@rebound/observability';
import { HEADER_TRACEPARENT } from '../constants.ts';
import type { OutgoingMessage } from '../producer/outgoing-message.types.ts';

export type TopicBatch = ReadonlyArray<{
  readonly topic: string;
  readonly messages: readonly OutgoingMessage[];
}>;

const tracer = trace.getTracer('@rebound/messaging');

/**
 * Publishes `batch` under `send` spans, one per run of consecutive records created in the same trace (their
 * `traceparent`), in order, each span a child of that creation context and its context written into the
 * records it covers. The outbox relay publishes records that were created in many requests: one span for
 * them all (what a generic kafkajs instrumentation does, from the relay's own context) would cut every
 * checkout's trace at the broker. Records without a trace context join the context active here.
 */
export async function sendTraced(
  batch: TopicBatch,
  send: (batch: TopicBatch) => Promise<void>,
): Promise<void> {
  for (const run of runsByTraceparent(batch)) {
    await withRemoteParent(run.traceparent, () => sendInSpan(run.batch, send));
  }
}

function sendInSpan(batch: TopicBatch, send: (batch: TopicBatch) => Promise<void>): Promise<void> {
  const topics = [...new Set(batch.map((entry) => entry.topic))];
  const count = batch.reduce((sum, entry) => sum + entry.messages.length, 0);
  return tracer.startActiveSpan(
    `send ${topics.join(' ')}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
        'messaging.destination.name': topics.join(' '),
        'messaging.batch.message_count': count,
      },
    },
    async (span) => {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      const traceparent = carrier[HEADER_TRACEPARENT];
      try {
        await send(
          batch.map(({ topic, messages }) => ({
            topic,
            messages: messages.map((message) => (traceparent ? { ...message, traceparent } : message)),
          })),
        );
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

interface Run {
  readonly traceparent: string | undefined;
  readonly batch: Array<{ topic: string; messages: OutgoingMessage[] }>;
}

/** Splits the batch where the creation context changes, keeping the order of records within each topic. */
export function runsByTraceparent(batch: TopicBatch): Run[] {
  const runs: Run[] = [];
  for (const { topic, messages } of batch) {
    for (const message of messages) {
      const traceparent = message.traceparent ?? message.headers?.[HEADER_TRACEPARENT];
      let run = runs.at(-1);
      if (run === undefined || run.traceparent !== traceparent) {
        run = { traceparent, batch: [] };
        runs.push(run);
      }
      const last = run.batch.at(-1);
      if (last?.topic === topic) last.messages.push(message);
      else run.batch.push({ topic, messages: [message] });
    }
  }
  return runs;
}
