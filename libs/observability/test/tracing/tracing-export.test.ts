import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { startTracing } from '../../src/tracing/index.ts';
import { flushTracing, shutdownTracing } from '../../src/tracing/tracing.state.ts';

interface Export {
  readonly path: string | undefined;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

const exports: Export[] = [];
const collector = createServer(async (request: IncomingMessage, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  exports.push({
    path: request.url,
    contentType: request.headers['content-type'],
    body: Buffer.concat(chunks),
  });
  response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
});

describe('OTLP export (a real HTTP collector on 127.0.0.1)', () => {
  before(async () => {
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
    const { port } = collector.address() as AddressInfo;
    // The OTLP exporters read the endpoint from the process environment themselves.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
    startTracing({ service: 'export-test' });
  });

  after(async () => {
    await shutdownTracing();
    collector.close();
  });

  it('sends the spans as OTLP protobuf to <endpoint>/v1/traces by default', async () => {
    const span = trace.getTracer('test').startSpan('checkout-step');
    const { traceId, spanId } = span.spanContext();
    span.end();
    await flushTracing();
    assert.equal(exports.length, 1);
    const [sent] = exports;
    assert.equal(sent?.path, '/v1/traces');
    assert.equal(sent?.contentType, 'application/x-protobuf');
    // Protobuf carries the ids as raw bytes (JSON would carry them as hex text) and the name as UTF-8.
    assert.ok(sent?.body.includes(Buffer.from(traceId, 'hex')), 'the trace id bytes are in the body');
    assert.ok(sent?.body.includes(Buffer.from(spanId, 'hex')), 'the span id bytes are in the body');
    assert.ok(sent?.body.includes(Buffer.from('checkout-step')), 'the span name is in the body');
    assert.ok(!sent?.body.includes(Buffer.from(traceId)), 'no hex id: not a JSON body');
  });
});
