import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { constantBackoff, retryBudget } from '@rebound/resilience';
import { FakeClock } from '@rebound/resilience/testing';
import { createRpcClient, isStatusError, RpcError } from '../src/index.ts';
import { CatalogService, product, startReplica } from './support.ts';

describe('client breaker and retry budget', () => {
  const cleanup: (() => void)[] = [];
  after(() => {
    for (const fn of cleanup) fn();
  });

  it('opens on a server failing every call, fails fast, keeps retries within budget and closes after recovery', async () => {
    const clock = new FakeClock();
    let failing = true;
    const replica = await startReplica((request) => {
      if (failing) throw new RpcError(status.UNAVAILABLE, 'processor down');
      return product(request.id);
    });
    cleanup.push(() => replica.server.forceShutdown());
    const client = createRpcClient(CatalogService, {
      target: [replica.address],
      clock,
      budget: retryBudget({ ratio: 0.1, minRetriesPerSecond: 0.3, clock }),
      methods: {
        getProduct: {
          idempotent: true,
          retry: { maxRetries: 3, backoff: constantBackoff(0) },
          breaker: { consecutiveFailures: 5, openMs: 5_000 },
        },
      },
    });
    cleanup.push(() => client.$rpc.close());
    const breaker = client.$rpc.policies.get('getProduct')?.breaker;
    assert.ok(breaker);
    const clientCalls = 200;
    const codes = new Map<string, number>();
    for (let i = 0; i < clientCalls; i++) {
      try {
        await client.getProduct({ id: String(i) });
        assert.fail('a failing server cannot answer');
      } catch (error) {
        assert.ok(isStatusError(error));
        const key = `${error.code}:${error.details.startsWith('circuit open') ? 'open' : 'server'}`;
        codes.set(key, (codes.get(key) ?? 0) + 1);
      }
    }
    const ratio = replica.calls.count / clientCalls;
    console.log(
      `# failing server: ${replica.calls.count} calls reached it for ${clientCalls} client calls (ratio ${ratio})`,
    );
    assert.ok(ratio <= 1.1, `amplification ${ratio} above 1.1`);
    assert.equal(breaker.state, 'open');
    assert.ok((codes.get(`${status.UNAVAILABLE}:open`) ?? 0) >= 190, 'calls fail fast while open');
    // The open circuit answers UNAVAILABLE with a retry-after hint without touching the network.
    const reached = replica.calls.count;
    const error = await client.getProduct({ id: 'x' }).catch((e: unknown) => e);
    assert.ok(isStatusError(error) && error.code === status.UNAVAILABLE);
    assert.match(
      error.details,
      /circuit open for rebound\.catalog\.v1\.CatalogService\/GetProduct, retry after \d+ ms/,
    );
    assert.equal(replica.calls.count, reached);

    failing = false;
    clock.advance(5_000);
    const response = await client.getProduct({ id: 'back' });
    assert.equal(response.product?.id, 'back');
    assert.equal(breaker.state, 'closed');
  });

  it('never retries a non-idempotent method', async () => {
    const replica = await startReplica(() => {
      throw new RpcError(status.UNAVAILABLE, 'down');
    });
    cleanup.push(() => replica.server.forceShutdown());
    const client = createRpcClient(CatalogService, {
      target: [replica.address],
      methods: { getProduct: { idempotent: false, retry: { maxRetries: 5, backoff: constantBackoff(0) } } },
    });
    cleanup.push(() => client.$rpc.close());
    await assert.rejects(
      client.getProduct({ id: '1' }),
      (e: unknown) => isStatusError(e) && e.code === status.UNAVAILABLE,
    );
    assert.equal(replica.calls.count, 1);
  });

  it('retries an idempotent method on the other replica', async () => {
    const bad = await startReplica(() => {
      throw new RpcError(status.UNAVAILABLE, 'down');
    });
    const good = await startReplica();
    cleanup.push(
      () => bad.server.forceShutdown(),
      () => good.server.forceShutdown(),
    );
    const client = createRpcClient(CatalogService, {
      target: [bad.address, good.address],
      budget: { ratio: 1 },
      methods: { getProduct: { idempotent: true, retry: { maxRetries: 1, backoff: constantBackoff(0) } } },
    });
    cleanup.push(() => client.$rpc.close());
    for (let i = 0; i < 4; i++) {
      const response = await client.getProduct({ id: String(i) });
      assert.equal(response.product?.name, good.address);
    }
    // The retry moves the rotation past the good replica, so each call meets the bad one first, once: no call
    // was retried on the replica that had just failed it.
    assert.equal(bad.calls.count, 4);
    assert.equal(good.calls.count, 4);
  });

  it('does not retry on a code that is not retryable', async () => {
    const replica = await startReplica(() => {
      throw new RpcError(status.NOT_FOUND, 'no such product');
    });
    cleanup.push(() => replica.server.forceShutdown());
    const client = createRpcClient(CatalogService, {
      target: [replica.address],
      methods: { getProduct: { idempotent: true, retry: { backoff: constantBackoff(0) } } },
    });
    cleanup.push(() => client.$rpc.close());
    for (let i = 0; i < 8; i++) {
      await assert.rejects(
        client.getProduct({ id: '1' }),
        (e: unknown) => isStatusError(e) && e.code === status.NOT_FOUND,
      );
    }
    assert.equal(replica.calls.count, 8);
    assert.equal(
      client.$rpc.policies.get('getProduct')?.breaker?.state,
      'closed',
      'caller errors do not open it',
    );
  });
});
