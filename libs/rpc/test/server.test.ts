import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Client, credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { aimdLimit } from '@rebound/resilience';
import { FakeClock } from '@rebound/resilience/testing';
import { waitFor } from '@rebound/testing';
import { service as healthService } from 'grpc-health-check';
import { z } from 'zod';
import {
  createRpcClient,
  createRpcServer,
  isStatusError,
  RETRY_AFTER_KEY,
  retryAfterMs,
} from '../src/index.ts';
import { CatalogService, product, startReplica } from './support.ts';

/** A gate the test opens by hand: handlers wait on it so calls stay in flight. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

function rawCall(address: string, path: string, bytes: Buffer): Promise<ServiceError | Buffer> {
  const client = new Client(address, credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(
      path,
      (b) => b,
      (b) => b,
      bytes,
      new Metadata(),
      {},
      (error, value) => {
        client.close();
        resolve(error ?? (value as Buffer));
      },
    );
  });
}

describe('rpc server', () => {
  const cleanup: (() => void)[] = [];
  after(() => {
    for (const fn of cleanup) fn();
  });

  it('sheds calls past its limit with RESOURCE_EXHAUSTED and a retry-after hint while admitted calls succeed', async () => {
    const clock = new FakeClock();
    const held = gate();
    let started = 0;
    const replica = await startReplica(
      async (request) => {
        started++;
        await held.wait;
        return product(request.id);
      },
      {
        limit: {
          limit: aimdLimit({ initialLimit: 4, minLimit: 4, maxLimit: 4 }),
          clock,
          sheddingHoldMs: 1_000,
        },
        shedRetryAfterMs: 250,
      },
    );
    cleanup.push(() => replica.server.forceShutdown());
    const client = createRpcClient(CatalogService, { target: [replica.address] });
    cleanup.push(() => client.$rpc.close());
    assert.equal(replica.server.overloaded, false);
    const admitted = Array.from({ length: 4 }, (_, i) => client.getProduct({ id: `a${i}` }));
    await waitFor(() => started === 4, { description: 'four calls in flight' });
    const shed = await Promise.all(
      Array.from({ length: 6 }, (_, i) => client.getProduct({ id: `s${i}` }).catch((e: unknown) => e)),
    );
    for (const error of shed) {
      assert.ok(isStatusError(error), String(error));
      assert.equal(error.code, status.RESOURCE_EXHAUSTED);
      assert.equal(error.metadata.get(RETRY_AFTER_KEY)[0], '250');
      assert.equal(retryAfterMs(error), 250);
      assert.match(error.details, /overloaded, retry after 250 ms/);
    }
    assert.equal(started, 4, 'shed calls never reached the handler');
    assert.equal(replica.server.overloaded, true, 'readiness can see the overload');
    held.open();
    const results = await Promise.all(admitted);
    assert.deepEqual(
      results.map((r) => r.product?.id),
      ['a0', 'a1', 'a2', 'a3'],
    );
    assert.equal(replica.server.overloaded, true, 'held for a while, so readiness does not flap');
    clock.advance(1_000);
    assert.equal(replica.server.overloaded, false, 'readiness comes back once shedding stops');
  });

  it('sheds all but critical-plus calls while the overload signal says overloaded, and admits again once it clears', async () => {
    const overload = { overloaded: true, retryAfterMs: 1_000 };
    const replica = await startReplica(undefined, { overload });
    cleanup.push(() => replica.server.forceShutdown());
    const client = createRpcClient(CatalogService, {
      target: [replica.address],
      defaults: { breaker: false },
    });
    cleanup.push(() => client.$rpc.close());
    const error = await client.getProduct({ id: '1' }).catch((e: unknown) => e);
    assert.ok(isStatusError(error) && error.code === status.RESOURCE_EXHAUSTED, String(error));
    assert.match(error.details, /event loop overloaded/);
    assert.match(error.details, /retry after 1000 ms/);
    assert.equal(replica.calls.count, 0);
    const critical = await client.getProduct({ id: '2' }, { priority: 'critical-plus' });
    assert.equal(critical.product?.id, '2');
    overload.overloaded = false;
    assert.equal((await client.getProduct({ id: '3' })).product?.id, '3');
  });

  it('answers INVALID_ARGUMENT with the validator message, before the handler runs', async () => {
    const server = createRpcServer();
    cleanup.push(() => server.forceShutdown());
    let handled = 0;
    server.addService(
      CatalogService,
      {
        getProduct: (request) => {
          handled++;
          return product(request.id);
        },
        listProducts: () => ({ products: [], nextPageToken: '' }),
      },
      {
        validators: {
          getProduct: z.object({ id: z.string().regex(/^p-\d+$/, 'expected an id such as p-1') }),
          listProducts: (r: unknown) =>
            (r as { pageSize: number }).pageSize > 100 ? 'pageSize: at most 100' : undefined,
        },
      },
    );
    const port = await server.listen('127.0.0.1:0');
    const client = createRpcClient(CatalogService, { target: [`127.0.0.1:${port}`] });
    cleanup.push(() => client.$rpc.close());
    const error = await client.getProduct({ id: 'nope' }).catch((e: unknown) => e);
    assert.ok(isStatusError(error));
    assert.equal(error.code, status.INVALID_ARGUMENT);
    assert.match(error.details, /id: expected an id such as p-1/);
    const listError = await client.listProducts({ pageSize: 500, pageToken: '' }).catch((e: unknown) => e);
    assert.ok(isStatusError(listError) && listError.code === status.INVALID_ARGUMENT);
    assert.match(listError.details, /pageSize: at most 100/);
    assert.equal(handled, 0);
    assert.equal((await client.getProduct({ id: 'p-1' })).product?.id, 'p-1');
  });

  it('answers malformed protobuf bytes with INVALID_ARGUMENT and keeps serving', async () => {
    const replica = await startReplica();
    cleanup.push(() => replica.server.forceShutdown());
    // Field 1 declared as a length-delimited string of 100 bytes, with 1 byte following: truncated.
    const error = await rawCall(
      replica.address,
      CatalogService.getProduct.path,
      Buffer.from([0x0a, 0x64, 0x41]),
    );
    assert.ok(isStatusError(error));
    assert.equal(error.code, status.INVALID_ARGUMENT);
    assert.match(error.details, /malformed request for rebound\.catalog\.v1\.CatalogService\/GetProduct/);
    assert.equal(replica.calls.count, 0);
    const client = createRpcClient(CatalogService, { target: [replica.address] });
    cleanup.push(() => client.$rpc.close());
    assert.equal((await client.getProduct({ id: 'still-up' })).product?.id, 'still-up');
  });

  it('serves grpc.health.v1 with a status per service', async () => {
    const replica = await startReplica();
    cleanup.push(() => replica.server.forceShutdown());
    const health = createRpcClient(healthService as never, { target: [replica.address] }) as unknown as {
      Check(request: { service: string }): Promise<{ status: string }>;
      $rpc: { close(): void };
    };
    cleanup.push(() => health.$rpc.close());
    const name = 'rebound.catalog.v1.CatalogService';
    assert.equal((await health.Check({ service: '' })).status, 'SERVING');
    assert.equal((await health.Check({ service: name })).status, 'SERVING');
    replica.server.setServingStatus('NOT_SERVING', name);
    assert.equal((await health.Check({ service: name })).status, 'NOT_SERVING');
    const unknown = await health.Check({ service: 'nope' }).catch((e: unknown) => e);
    assert.ok(isStatusError(unknown) && unknown.code === status.NOT_FOUND);
  });

  it('drains: in-flight calls finish, health says NOT_SERVING, new calls are refused', async () => {
    const held = gate();
    let started = 0;
    const replica = await startReplica(async (request) => {
      started++;
      await held.wait;
      return product(request.id);
    });
    const client = createRpcClient(CatalogService, { target: [replica.address] });
    cleanup.push(() => client.$rpc.close());
    // A draining server cannot be asked over the wire (it refuses new calls), so watch what it reports.
    const reported: string[] = [];
    const setStatus = replica.server.health.setStatus.bind(replica.server.health);
    replica.server.health.setStatus = (service, servingStatus) => {
      reported.push(`${service || '(server)'}=${servingStatus}`);
      setStatus(service, servingStatus);
    };
    const inflight = [client.getProduct({ id: '1' }), client.getProduct({ id: '2' })];
    await waitFor(() => started === 2, { description: 'two calls in flight' });
    const drained = replica.server.drain(10_000);
    assert.equal(replica.server.draining, true);
    assert.deepEqual(reported, ['(server)=NOT_SERVING', 'rebound.catalog.v1.CatalogService=NOT_SERVING']);
    const refused = await client.getProduct({ id: 'late' }).catch((e: unknown) => e);
    assert.ok(isStatusError(refused) && refused.code === status.UNAVAILABLE, String(refused));
    held.open();
    const answers = await Promise.all(inflight);
    assert.deepEqual(
      answers.map((a) => a.product?.id),
      ['1', '2'],
    );
    assert.deepEqual(await drained, { forced: false });
  });

  it('cuts calls still running when the drain bound passes', async () => {
    let aborted = false;
    const replica = await startReplica(
      (_request, context) =>
        new Promise((_resolve, reject) => {
          context.signal.addEventListener('abort', () => {
            aborted = true;
            reject(context.signal.reason);
          });
        }),
    );
    const client = createRpcClient(CatalogService, { target: [replica.address] });
    cleanup.push(() => client.$rpc.close());
    const call = client.getProduct({ id: '1' }).catch((e: unknown) => e);
    await waitFor(() => replica.calls.count === 1, { description: 'the call is in flight' });
    assert.deepEqual(await replica.server.drain(50), { forced: true });
    assert.ok(aborted);
    const error = await call;
    assert.ok(isStatusError(error));
  });

  it('injects faults switched at run time, and heals', async () => {
    const replica = await startReplica();
    cleanup.push(() => replica.server.forceShutdown());
    const client = createRpcClient(CatalogService, {
      target: [replica.address],
      methods: { getProduct: { breaker: false } },
    });
    cleanup.push(() => client.$rpc.close());
    replica.server.faults.configure({ errorRate: 1, errorCode: status.INTERNAL, methods: ['GetProduct'] });
    const error = await client.getProduct({ id: '1' }).catch((e: unknown) => e);
    assert.ok(isStatusError(error) && error.code === status.INTERNAL && error.details === 'injected fault');
    assert.equal(replica.calls.count, 0);
    replica.server.faults.configure({ hang: true });
    const hung = await client.getProduct({ id: '1' }, { timeoutMs: 100 }).catch((e: unknown) => e);
    assert.ok(isStatusError(hung) && hung.code === status.DEADLINE_EXCEEDED);
    replica.server.faults.configure({});
    assert.equal((await client.getProduct({ id: 'ok' })).product?.id, 'ok');
  });
});
