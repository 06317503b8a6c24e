import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { waitFor } from '@rebound/testing';
import { Registry } from 'prom-client';
import {
  createLogger,
  createResilienceMetrics,
  nameActiveSpan,
  shutdownTracing,
  tracingEnabled,
} from '../../src/index.ts';
import { startTracing } from '../../src/tracing/index.ts';

// One SDK per process: this file starts it once, before grpc-js and http load, as a service's main.ts does.
const exporter = new InMemorySpanExporter();
startTracing({ service: 'tracing-test', env: { OTEL_BSP_SCHEDULE_DELAY: '10' }, exporter });
const grpc = await import('@grpc/grpc-js');
const http = await import('node:http');

const logLines: Record<string, unknown>[] = [];
const logger = createLogger({
  service: 'tracing-test',
  destination: new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  }),
});

const spansNamed = (name: string) => exporter.getFinishedSpans().filter((span) => span.name === name);

describe('startTracing', () => {
  after(async () => {
    await shutdownTracing();
  });

  it('is on, leaves grpc-js unpatched (gRPC spans come from @rebound/rpc), and log lines carry the active span', async () => {
    assert.equal(tracingEnabled(), true);
    assert.equal('__wrapped' in grpc.Client.prototype.makeUnaryRequest, false);
    assert.equal('__wrapped' in grpc.Server.prototype.register, false);
    const ids = trace.getTracer('test').startActiveSpan('handling', { kind: SpanKind.SERVER }, (span) => {
      logger.info('handling');
      span.end();
      return span.spanContext();
    });
    await waitFor(() => spansNamed('handling').length === 1, { timeoutMs: 5_000 });
    assert.equal(spansNamed('handling')[0]?.resource.attributes['service.name'], 'tracing-test');
    const line = logLines.find((entry) => entry.msg === 'handling');
    assert.equal(line?.traceId, ids.traceId);
    assert.equal(line?.spanId, ids.spanId);
  });

  it('continues an incoming HTTP traceparent in a server span and leaves probes and scrapes untraced', async () => {
    const httpServer = http.createServer((request, response) => {
      // What the gateway does once the route is known: the http instrumentation names spans by method only.
      const traceId = nameActiveSpan(`GET ${request.url}`, { 'http.route': request.url ?? '' });
      response.end(traceId ?? 'no trace');
    });
    httpServer.listen(0, '127.0.0.1');
    await once(httpServer, 'listening');
    const { port } = httpServer.address() as AddressInfo;
    try {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const parent = '00f067aa0ba902b7';
      for (const path of ['/livez', '/metrics', '/api/products']) {
        const response = await fetch(`http://127.0.0.1:${port}${path}`, {
          headers: { traceparent: `00-${traceId}-${parent}-01` },
        });
        assert.equal(response.status, 200);
        assert.equal(await response.text(), path === '/api/products' ? traceId : 'no trace');
      }
      await waitFor(() => spansNamed('GET /api/products').length === 1);
      const httpSpans = exporter
        .getFinishedSpans()
        .filter((span) => span.attributes['http.request.method'] === 'GET');
      assert.equal(httpSpans.length, 1, 'only /api/products is traced');
      assert.equal(httpSpans[0]?.attributes['http.route'], '/api/products');
      assert.equal(httpSpans[0]?.spanContext().traceId, traceId);
      assert.equal(httpSpans[0]?.parentSpanContext?.spanId, parent);
    } finally {
      httpServer.close();
    }
  });

  it('records each resilience decision as an event on the span of the call it was taken for', async () => {
    type Listener = (event: { from: string; to: string }) => void;
    const listeners: Listener[] = [];
    const breaker = {
      state: 'closed',
      onStateChange: (listener: Listener) => {
        listeners.push(listener);
        return { dispose: () => undefined };
      },
      onReject: () => ({ dispose: () => undefined }),
    };
    const registry = new Registry();
    const metrics = createResilienceMetrics(registry);
    metrics.bindBreaker(breaker, { policy: 'breaker', target: 'payments/Charge' });
    trace.getTracer('test').startActiveSpan('PlaceOrder', (span) => {
      for (const listener of listeners) listener({ from: 'closed', to: 'open' });
      metrics.count('fallbacks', { policy: 'fallback', target: 'catalog/ListProducts' });
      span.end();
    });
    await waitFor(() => spansNamed('PlaceOrder').length === 1);
    const [span] = spansNamed('PlaceOrder');
    assert.deepEqual(
      span?.events.map((event) => [event.name, event.attributes]),
      [
        [
          'rebound.resilience.breaker_transition',
          { policy: 'breaker', target: 'payments/Charge', from: 'closed', to: 'open' },
        ],
        ['rebound.resilience.fallback', { policy: 'fallback', target: 'catalog/ListProducts' }],
      ],
    );
    assert.match(
      await registry.metrics(),
      /rebound_resilience_breaker_transitions_total\{[^}]*to="open"[^}]*\} 1/,
    );
  });
});
