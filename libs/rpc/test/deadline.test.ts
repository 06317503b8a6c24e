import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { currentRequestContext, runWithRequestContext } from '@rebound/observability';
import { type ConcurrencyLimit, type LimitSample, TimeoutError } from '@rebound/resilience';
import { waitFor } from '@rebound/testing';
import { createRpcClient, createRpcServer, type HandlerContext, isStatusError } from '../src/index.ts';
import { CatalogService, product, startReplica } from './support.ts';

describe('deadlines and propagation', () => {
  const cleanup: (() => void)[] = [];
  after(() => {
    for (const fn of cleanup) fn();
  });

  it('cuts a hung handler at the deadline and aborts its signal', async () => {
    let aborted: unknown;
    let handlerDeadline = 0;
    let arrived = 0;
    const replica = await startReplica(
      (_request, context) =>
        new Promise((_resolve, reject) => {
          handlerDeadline = context.deadline;
          arrived = Date.now();
          context.signal.addEventListener('abort', () => {
            aborted = context.signal.reason;
            reject(context.signal.reason);
          });
        }),
    );
    cleanup.push(() => replica.server.forceShutdown());
    const client = createRpcClient(CatalogService, {
      target: [replica.address],
      methods: { getProduct: { idempotent: true, timeoutMs: 200 } },
    });
    cleanup.push(() => client.$rpc.close());
    const error = await client.getProduct({ id: '1' }).catch((e: unknown) => e);
    assert.ok(isStatusError(error));
    assert.equal(error.code, status.DEADLINE_EXCEEDED);
    // The bound the handler saw is the client's timeout, not something longer.
    // The bound the handler saw is the client's timeout (1 ms of wire rounding), not the 5 s default.
    assert.ok(handlerDeadline - arrived <= 201, `handler had ${handlerDeadline - arrived} ms`);
    // The server cuts the work at the same bound on its own clock: the handler's signal fires, the call is gone.
    await waitFor(() => aborted !== undefined && replica.server.inflight === 0, {
      description: 'the server cuts the hung handler',
    });
    assert.ok(aborted instanceof TimeoutError, `aborted with ${String(aborted)}`);
  });

  it('teaches the concurrency limit from outcomes: a success is a sample, work outliving its deadline a drop, a cancel nothing', async () => {
    const samples: LimitSample[] = [];
    const recording: ConcurrencyLimit = { limit: 100, update: (sample) => samples.push(sample) };
    let cancelStarted = false;
    const replica = await startReplica(
      async (request, context) => {
        if (request.id === 'ok') return product(request.id);
        if (request.id === 'cancel') cancelStarted = true;
        await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
        // 'late' ignores the abort and answers anyway; 'cancel' gives up with the reason.
        if (request.id === 'cancel') throw context.signal.reason;
        return product(request.id);
      },
      { limit: { limit: recording } },
    );
    cleanup.push(() => replica.server.forceShutdown());
    const client = createRpcClient(CatalogService, {
      target: [replica.address],
      // Only the late call has a short deadline: an ok call on a loaded machine must not outlive its own.
      methods: { getProduct: { idempotent: true, timeoutMs: 10_000, retry: false } },
    });
    cleanup.push(() => client.$rpc.close());
    const settled = () => replica.server.shedder?.inflight === 0;

    await client.getProduct({ id: 'ok' });
    await waitFor(settled, { description: 'the ok call released' });
    assert.deepEqual(
      samples.map((s) => s.dropped),
      [false],
    );

    const late = await client.getProduct({ id: 'late' }, { timeoutMs: 150 }).catch((e: unknown) => e);
    assert.ok(isStatusError(late) && late.code === status.DEADLINE_EXCEEDED, String(late));
    await waitFor(settled, { description: 'the late call released' });
    assert.deepEqual(
      samples.map((s) => s.dropped),
      [false, true],
    );

    const controller = new AbortController();
    const cancelled = client
      .getProduct({ id: 'cancel' }, { signal: controller.signal })
      .catch((e: unknown) => e);
    await waitFor(() => cancelStarted, { description: 'the cancelled call running' });
    controller.abort();
    const error = await cancelled;
    assert.ok(isStatusError(error) && error.code === status.CANCELLED, String(error));
    await waitFor(settled, { description: 'the cancelled call released' });
    assert.equal(samples.length, 2, 'a cancelled call is not a sample');
  });

  it('propagates the deadline over two hops, shrinking it, with request id, trace context and idempotency key', async () => {
    interface Hop {
      hop: string;
      deadline: number;
      arrived: number;
      context: HandlerContext;
      requestId: string | undefined;
    }
    const seen: Hop[] = [];
    const record = (hop: string, context: HandlerContext): void => {
      const requestId = currentRequestContext()?.requestId;
      seen.push({ hop, deadline: context.deadline, arrived: Date.now(), context, requestId });
    };
    const second = await startReplica((request, context) => {
      record('second', context);
      return product(request.id);
    });
    cleanup.push(() => second.server.forceShutdown());
    const downstream = createRpcClient(CatalogService, {
      target: [second.address],
      methods: { getProduct: { idempotent: true, timeoutMs: 60_000 } },
    });
    cleanup.push(() => downstream.$rpc.close());
    const first = await startReplica(async (request, context) => {
      record('first', context);
      // 20 ms of work before the next hop: the time left must shrink by at least that much.
      const until = Date.now() + 20;
      while (Date.now() < until) await new Promise((resolve) => setImmediate(resolve));
      return downstream.getProduct(request);
    });
    cleanup.push(() => first.server.forceShutdown());
    const client = createRpcClient(CatalogService, {
      target: [first.address],
      methods: { getProduct: { idempotent: true, timeoutMs: 2_000 } },
    });
    cleanup.push(() => client.$rpc.close());
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await runWithRequestContext({ requestId: 'req-42', traceId, spanId: '00f067aa0ba902b7' }, () =>
      client.getProduct({ id: '7' }, { idempotencyKey: 'key-1' }),
    );
    const [hop1, hop2] = seen;
    assert.equal(hop1?.hop, 'first');
    assert.equal(hop2?.hop, 'second');
    const left1 = hop1.deadline - hop1.arrived;
    const left2 = hop2.deadline - hop2.arrived;
    assert.ok(left1 <= 2_001, `first hop had ${left1} ms`);
    // Not the downstream client's 60 s method timeout: the incoming deadline, minus the work done meanwhile.
    assert.ok(left2 <= left1 - 19, `second hop had ${left2} ms, first ${left1} ms`);
    // (Absolute deadlines are not compared: gRPC sends the time left, so transit time is not subtracted.)
    for (const hop of [hop1, hop2]) {
      assert.equal(hop.context.requestId, 'req-42');
      assert.equal(hop.requestId, 'req-42', 'logs see the request id');
      assert.equal(hop.context.traceparent, `00-${traceId}-00f067aa0ba902b7-01`);
      assert.equal(hop.context.idempotencyKey, 'key-1');
    }
  });

  it('rejects, never throws, when the extra metadata is not valid gRPC metadata', async () => {
    const replica = await startReplica();
    cleanup.push(() => replica.server.forceShutdown());
    const client = createRpcClient(CatalogService, { target: [replica.address] });
    cleanup.push(() => client.$rpc.close());
    await client.$rpc.ready;
    let pending: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      pending = client.getProduct({ id: '1' }, { metadata: { 'Not A Key': 'x' } });
    });
    await assert.rejects(pending!, /Metadata key "not a key" contains illegal characters/);
    assert.equal(replica.calls.count, 0);
  });

  it("leaves the process's Error.stackTraceLimit as it was, after a success and after a failure", async () => {
    const replica = await startReplica(async (request) => {
      if (request.id === 'bad') throw new Error('boom');
      return product(request.id);
    });
    cleanup.push(() => replica.server.forceShutdown());
    const client = createRpcClient(CatalogService, { target: [replica.address] });
    cleanup.push(() => client.$rpc.close());
    const before = Error.stackTraceLimit;
    await client.getProduct({ id: 'ok' });
    assert.equal(Error.stackTraceLimit, before);
    const error = await client.getProduct({ id: 'bad' }).catch((e: unknown) => e);
    assert.ok(isStatusError(error) && error.code === status.UNKNOWN, String(error));
    assert.equal(Error.stackTraceLimit, before);
    assert.ok(new Error('probe').stack?.includes('deadline.test.ts'), 'stacks are still captured');
  });

  it('fails at once, without calling, when the incoming deadline already passed', async () => {
    const replica = await startReplica();
    cleanup.push(() => replica.server.forceShutdown());
    const client = createRpcClient(CatalogService, { target: [replica.address] });
    cleanup.push(() => client.$rpc.close());
    const error = await client.getProduct({ id: '1' }, { deadline: Date.now() - 1 }).catch((e: unknown) => e);
    assert.ok(isStatusError(error) && error.code === status.DEADLINE_EXCEEDED);
    assert.equal(replica.calls.count, 0);
  });

  it('cancels the server-side work when the caller aborts', async () => {
    let serverAborted = false;
    const server = createRpcServer();
    cleanup.push(() => server.forceShutdown());
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    server.addService(CatalogService, {
      getProduct: (_r, context) =>
        new Promise((_resolve, reject) => {
          started();
          context.signal.addEventListener('abort', () => {
            serverAborted = true;
            reject(context.signal.reason);
          });
        }),
      listProducts: () => ({ products: [], nextPageToken: '' }),
    });
    const port = await server.listen('127.0.0.1:0');
    const client = createRpcClient(CatalogService, { target: [`127.0.0.1:${port}`] });
    cleanup.push(() => client.$rpc.close());
    const controller = new AbortController();
    const call = client.getProduct({ id: '1' }, { signal: controller.signal }).catch((e: unknown) => e);
    await running;
    controller.abort();
    const error = await call;
    assert.ok(isStatusError(error) && error.code === status.CANCELLED);
    await waitFor(() => serverAborted, { description: 'the handler signal aborts' });
  });
});
