import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { activeTraceIds, shutdownTracing } from '@rebound/observability';
import { startTracing } from '@rebound/observability/tracing';
import type { Database } from '@rebound/storage';
import { waitFor } from '@rebound/testing';
import {
  createIdempotentConsumer,
  createOutboxRelay,
  type MessageProducer,
  writeOutbox,
} from '../src/index.ts';
import { runsByTraceparent } from '../src/tracing/producer.tracing.ts';
import type { TestBroker } from './support/broker.ts';
import { type OutboxFixture, openOutboxFixture } from './support/outbox-fixture.ts';

// Tracing on for this whole file (one SDK per process), spans kept in memory.
const exporter = new InMemorySpanExporter();
startTracing({ service: 'messaging-test', env: { OTEL_BSP_SCHEDULE_DELAY: '10' }, exporter });

const traceA = { traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1', spanId: 'a00000000000000a' };
const traceB = { traceId: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2', spanId: 'b00000000000000b' };
const traceparentOf = ({ traceId, spanId }: typeof traceA) => `00-${traceId}-${spanId}-01`;
const spans = (kind: SpanKind, name: string) =>
  exporter.getFinishedSpans().filter((span) => span.kind === kind && span.name === name);
const isChildOf = (span: ReadableSpan | undefined, parent: { traceId: string; spanId: string }) =>
  span?.spanContext().traceId === parent.traceId && span?.parentSpanContext?.spanId === parent.spanId;

describe('runsByTraceparent', () => {
  it('splits a batch where the creation context changes and keeps each topic in order', () => {
    const message = (key: string, traceparent?: string) => ({
      key,
      value: key,
      ...(traceparent && { traceparent }),
    });
    const runs = runsByTraceparent([
      { topic: 't1', messages: [message('1', 'A'), message('2', 'A'), message('3', 'B')] },
      { topic: 't2', messages: [message('4', 'B'), message('5')] },
    ]);
    assert.deepEqual(
      runs.map((run) => [
        run.traceparent,
        run.batch.map((entry) => `${entry.topic}:${entry.messages.map((m) => m.key)}`),
      ]),
      [
        ['A', ['t1:1,2']],
        ['B', ['t1:3', 't2:4']],
        [undefined, ['t2:5']],
      ],
    );
  });
});

describe('Kafka spans through the outbox (PostgreSQL, dev broker, tracing on)', () => {
  let broker: TestBroker;
  let db: Database;
  let producer: MessageProducer;

  let fixture: OutboxFixture | undefined;

  before(async () => {
    fixture = await openOutboxFixture('traced-producer');
    ({ broker, db, producer } = fixture);
  });
  after(async () => {
    await fixture?.close();
    await shutdownTracing();
  });

  it('sends each row under a span of the request that wrote it, and processes it in a child span', async () => {
    const topic = 'traced.events';
    const rows = [traceA, traceB, traceA].map((parent, n) => ({
      id: randomUUID(),
      topic,
      key: `order-${n}`,
      type: 'OrderPlaced',
      payload: JSON.stringify({ n }),
      traceparent: traceparentOf(parent),
    }));
    for (const row of rows) await writeOutbox(db, row);
    // The relay round runs inside an unrelated span (as when a request wakes it): rows must not join that trace.
    const relay = createOutboxRelay({ db, producer });
    await trace.getTracer('test').startActiveSpan('unrelated request', async (span) => {
      assert.equal(await relay.runOnce(), 3);
      span.end();
    });

    const seenTraces = new Map<string, string | undefined>();
    const consumer = createIdempotentConsumer({
      kafka: broker.kafka('traced-consumer'),
      db,
      producer,
      groupId: 'traced',
      topic,
      handler: async (event) => {
        seenTraces.set(event.id, activeTraceIds()?.traceId);
      },
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
      maxWaitTimeInMs: 200,
    });
    try {
      await consumer.start();
      await waitFor(() => spans(SpanKind.CONSUMER, `process ${topic}`).length === 3, { timeoutMs: 20_000 });
    } finally {
      await consumer.close();
    }

    const sends = spans(SpanKind.PRODUCER, `send ${topic}`);
    assert.equal(sends.length, 3, 'one send span per run of rows from one trace (A, B, A)');
    assert.deepEqual(
      sends.map((span) => span.attributes['messaging.batch.message_count']),
      [1, 1, 1],
    );
    for (const parent of [traceA, traceB]) {
      assert.ok(
        sends.some((span) => isChildOf(span, parent)),
        `a send span continues ${parent.traceId}`,
      );
    }
    assert.ok(
      sends.every(
        (span) =>
          span.spanContext().traceId !==
          spans(SpanKind.INTERNAL, 'unrelated request')[0]?.spanContext().traceId,
      ),
    );
    for (const processed of spans(SpanKind.CONSUMER, `process ${topic}`)) {
      const send = sends.find((span) => isChildOf(processed, span.spanContext()));
      assert.ok(send, 'every process span is a child of the send span that carried its record');
      assert.equal(processed.attributes['rebound.outcome'], 'processed');
    }
    for (const row of rows) {
      assert.equal(
        seenTraces.get(row.id),
        row.traceparent.split('-')[1],
        'the handler runs inside the trace',
      );
    }
  });

  it('marks the process span failed when the handler throws, and routes the record to the DLQ', async () => {
    const topic = 'traced-poison.events';
    await producer.send([
      { topic, messages: [{ key: 'k', value: '{}', id: randomUUID(), traceparent: traceparentOf(traceB) }] },
    ]);
    const consumer = createIdempotentConsumer({
      kafka: broker.kafka('traced-poison'),
      db,
      producer,
      groupId: 'traced-poison',
      topic,
      retryDelaysMs: [],
      handler: async () => {
        throw new Error('cannot render this event');
      },
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
      maxWaitTimeInMs: 200,
    });
    try {
      await consumer.start();
      await waitFor(() => spans(SpanKind.CONSUMER, `process ${topic}`).length === 1, { timeoutMs: 20_000 });
    } finally {
      await consumer.close();
    }
    const [processed] = spans(SpanKind.CONSUMER, `process ${topic}`);
    assert.equal(processed?.status.code, SpanStatusCode.ERROR);
    assert.equal(processed?.status.message, 'cannot render this event');
    assert.equal(processed?.attributes['rebound.outcome'], 'dead_letter');
    assert.equal(processed?.spanContext().traceId, traceB.traceId);
    const deadLetterSend = spans(SpanKind.PRODUCER, `send ${topic}.dlq`)[0];
    assert.equal(deadLetterSend?.spanContext().traceId, traceB.traceId, 'the DLQ write stays in the trace');
  });
});
