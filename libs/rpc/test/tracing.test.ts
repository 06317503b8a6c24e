import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { currentRequestContext, shutdownTracing } from '@rebound/observability';
import { startTracing } from '@rebound/observability/tracing';
import { waitFor } from '@rebound/testing';
import { createRpcClient, RpcError } from '../src/index.ts';
import { CatalogService, product, startReplica } from './support.ts';

type Exporter = NonNullable<Parameters<typeof startTracing>[0]['exporter']>;
type ExportedSpan = Parameters<Exporter['export']>[0][number];

// One SDK per process; spans are kept in memory. Nothing is patched, so grpc-js may load before it starts.
const exported: ExportedSpan[] = [];
const exporter: Exporter = {
  export(spans, done) {
    exported.push(...spans);
    done({ code: 0 });
  },
  shutdown: async () => undefined,
};
startTracing({ service: 'rpc-tracing-test', env: { OTEL_BSP_SCHEDULE_DELAY: '10' }, exporter });
const { status } = grpc;

const GET_PRODUCT = 'rebound.catalog.v1.CatalogService/GetProduct';
const tracer = trace.getTracer('test');
const inTrace = (traceId: string) => exported.filter((span) => span.spanContext().traceId === traceId);
const parentOf = (span: ExportedSpan | undefined) => span?.parentSpanContext?.spanId;

describe('tracing through the OpenTelemetry API', () => {
  const cleanup: (() => void)[] = [];
  after(async () => {
    for (const fn of cleanup) fn();
    await shutdownTracing();
  });

  function client(address: string, retries = 0) {
    const made = createRpcClient(CatalogService, {
      target: [address],
      methods: { getProduct: { idempotent: true, retry: retries === 0 ? false : { maxRetries: retries } } },
    });
    cleanup.push(() => made.$rpc.close());
    return made;
  }

  it('gives each hop a client span and a server span of one trace, after the RPC conventions, without patching grpc-js', async () => {
    assert.equal('__wrapped' in grpc.Client.prototype.makeUnaryRequest, false);
    const backend = await startReplica();
    cleanup.push(() => backend.server.forceShutdown());
    const toBackend = client(backend.address);
    const seen: { traceId?: string | undefined; spanId?: string | undefined }[] = [];
    // The front's handler calls the backend: that call's span is a child of the front's server span.
    const front = await startReplica(async (request) => {
      seen.push({ ...currentRequestContext(), ...trace.getSpan(context.active())?.spanContext() });
      return toBackend.getProduct(request);
    });
    cleanup.push(() => front.server.forceShutdown());

    const root = tracer.startSpan('checkout');
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    await context.with(rootContext, () => client(front.address).getProduct({ id: 'p-1' }));
    root.end();
    const traceId = root.spanContext().traceId;
    await waitFor(() => inTrace(traceId).length === 5, { timeoutMs: 5_000 });

    const spans = inTrace(traceId);
    const clients = spans.filter((span) => span.kind === SpanKind.CLIENT);
    const servers = spans.filter((span) => span.kind === SpanKind.SERVER);
    assert.equal(clients.length, 2);
    assert.equal(servers.length, 2);
    const [frontClient] = clients.filter((span) => parentOf(span) === root.spanContext().spanId);
    const frontServer = servers.find((span) => parentOf(span) === frontClient?.spanContext().spanId);
    const backendClient = clients.find((span) => parentOf(span) === frontServer?.spanContext().spanId);
    const backendServer = servers.find((span) => parentOf(span) === backendClient?.spanContext().spanId);
    assert.ok(frontClient && frontServer && backendClient && backendServer, 'one chain, hop by hop');
    for (const span of [frontClient, frontServer, backendClient, backendServer]) {
      assert.equal(span.name, GET_PRODUCT);
      assert.deepEqual(span.attributes, {
        'rpc.system': 'grpc',
        'rpc.service': 'rebound.catalog.v1.CatalogService',
        'rpc.method': 'GetProduct',
        'rpc.grpc.status_code': 0,
      });
      assert.equal(span.status.code, SpanStatusCode.UNSET);
      assert.equal(span.instrumentationScope.name, '@rebound/rpc');
    }
    assert.equal(seen[0]?.spanId, frontServer.spanContext().spanId, 'the handler runs in its server span');
    assert.equal(seen[0]?.traceId, traceId);
  });

  it('fails a client span on any error code, a server span only on the codes that say the server failed', async () => {
    const replica = await startReplica((request) => {
      if (request.id === 'missing') throw new RpcError(status.NOT_FOUND, 'no such product');
      throw new Error('bug');
    });
    cleanup.push(() => replica.server.forceShutdown());
    const catalog = client(replica.address);
    const call = async (id: string) => {
      const root = tracer.startSpan(id);
      await context.with(trace.setSpan(ROOT_CONTEXT, root), () => catalog.getProduct({ id }).catch(() => {}));
      root.end();
      const traceId = root.spanContext().traceId;
      await waitFor(() => inTrace(traceId).length === 3, { timeoutMs: 5_000 });
      const spans = inTrace(traceId);
      return {
        client: spans.find((span) => span.kind === SpanKind.CLIENT),
        server: spans.find((span) => span.kind === SpanKind.SERVER),
      };
    };
    const missing = await call('missing');
    assert.equal(missing.client?.attributes['rpc.grpc.status_code'], status.NOT_FOUND);
    assert.equal(missing.client?.status.code, SpanStatusCode.ERROR);
    assert.equal(missing.server?.attributes['rpc.grpc.status_code'], status.NOT_FOUND);
    assert.equal(missing.server?.status.code, SpanStatusCode.UNSET, "the caller's mistake, not the server's");
    const broken = await call('broken');
    assert.equal(broken.server?.attributes['rpc.grpc.status_code'], status.UNKNOWN);
    assert.equal(broken.server?.status.code, SpanStatusCode.ERROR);
    assert.equal(broken.client?.status.code, SpanStatusCode.ERROR);
  });

  it('gives each attempt of a retried call its own client span under the caller, also when the retry runs from a timer', async () => {
    let calls = 0;
    const replica = await startReplica((request) => {
      calls++;
      if (calls === 1) throw new RpcError(status.UNAVAILABLE, 'warming up');
      return product(request.id);
    });
    cleanup.push(() => replica.server.forceShutdown());
    const catalog = client(replica.address, 2);
    const root = tracer.startSpan('retried');
    await context.with(trace.setSpan(ROOT_CONTEXT, root), () => catalog.getProduct({ id: 'p-2' }));
    root.end();
    const traceId = root.spanContext().traceId;
    await waitFor(() => inTrace(traceId).length === 5, { timeoutMs: 5_000 });
    const attempts = inTrace(traceId).filter((span) => span.kind === SpanKind.CLIENT);
    assert.deepEqual(
      attempts.map((span) => [parentOf(span), span.attributes['rpc.grpc.status_code']]),
      [
        [root.spanContext().spanId, status.UNAVAILABLE],
        [root.spanContext().spanId, status.OK],
      ],
    );
  });

  it('does not fail the attempt a hedge beat: it ends CANCELLED, marked cancelled by the client, the call OK', async () => {
    let calls = 0;
    // Whichever replica gets the first attempt holds it until the client cancels it; the hedge is answered.
    const handler = async (request: { id: string }, call: { signal: AbortSignal }) => {
      calls++;
      if (calls === 1) {
        await once(call.signal, 'abort');
        throw new RpcError(status.CANCELLED, 'abandoned');
      }
      return product(request.id);
    };
    const replicas = [await startReplica(handler), await startReplica(handler)];
    for (const r of replicas) cleanup.push(() => r.server.forceShutdown());
    const hedged = createRpcClient(CatalogService, {
      target: replicas.map((r) => r.address),
      methods: { getProduct: { idempotent: true, retry: false, hedge: { delayMs: 20 } } },
    });
    cleanup.push(() => hedged.$rpc.close());
    const root = tracer.startSpan('hedged');
    await context.with(trace.setSpan(ROOT_CONTEXT, root), () => hedged.getProduct({ id: 'p-4' }));
    root.end();
    const traceId = root.spanContext().traceId;
    const attempts = () => inTrace(traceId).filter((span) => span.kind === SpanKind.CLIENT);
    await waitFor(() => attempts().length === 2, { timeoutMs: 5_000 });
    const byCode = new Map(attempts().map((span) => [span.attributes['rpc.grpc.status_code'], span]));
    assert.equal(byCode.get(status.OK)?.status.code, SpanStatusCode.UNSET);
    const lost = byCode.get(status.CANCELLED);
    assert.ok(lost, 'the attempt the hedge beat ends CANCELLED');
    assert.equal(lost.status.code, SpanStatusCode.UNSET, 'and is not a failed span');
    assert.equal(lost.attributes['rebound.rpc.cancelled_by_client'], true);
  });

  it('continues an unsampled trace unsampled: nothing recorded, the context still carried (flags 00)', async () => {
    const received: unknown[] = [];
    const replica = await startReplica((request, call) => {
      received.push(call.metadata.get('traceparent')[0]);
      return product(request.id);
    });
    cleanup.push(() => replica.server.forceShutdown());
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const unsampled = trace.setSpanContext(ROOT_CONTEXT, {
      traceId,
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    await context.with(unsampled, () => client(replica.address).getProduct({ id: 'p-3' }));
    const marker = tracer.startSpan('after');
    marker.end();
    await waitFor(() => exported.some((span) => span.name === 'after'), { timeoutMs: 5_000 });
    assert.deepEqual(inTrace(traceId), []);
    assert.deepEqual(
      received,
      [`00-${traceId}-00f067aa0ba902b7-00`],
      'no span started: the context goes on as it came',
    );
  });
});
