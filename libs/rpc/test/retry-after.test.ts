import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { aimdLimit, constantBackoff } from '@rebound/resilience';
import { FakeClock } from '@rebound/resilience/testing';
import { waitFor } from '@rebound/testing';
import { createRpcClient, isStatusError } from '../src/index.ts';
import { CatalogService, product, startReplica } from './support.ts';

describe('retry-after hints', () => {
  const cleanup: (() => void)[] = [];
  after(() => {
    for (const fn of cleanup) fn();
  });

  it('waits out a shedding replica’s retry-after before retrying it, within the deadline', async () => {
    const clock = new FakeClock();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let handled = 0;
    const replica = await startReplica(
      async (request) => {
        handled++;
        if (request.id === 'hold') await held;
        return product(request.id);
      },
      { limit: { limit: aimdLimit({ initialLimit: 1, minLimit: 1, maxLimit: 1 }) }, shedRetryAfterMs: 250 },
    );
    cleanup.push(() => replica.server.forceShutdown());
    const client = createRpcClient(CatalogService, {
      target: [replica.address],
      clock,
      methods: {
        getProduct: {
          idempotent: true,
          timeoutMs: 10_000,
          retry: { maxRetries: 1, backoff: constantBackoff(0) },
        },
      },
    });
    cleanup.push(() => client.$rpc.close());
    const holding = client.getProduct({ id: 'hold' });
    await waitFor(() => handled === 1, { description: 'the only slot is taken' });
    const call = client.getProduct({ id: 'next' });
    // The first attempt is shed; the retry waits for the hint on the client's clock instead of hammering.
    await waitFor(() => clock.pendingTimers > 0, { description: 'the retry waits for the hint' });
    assert.equal(handled, 1);
    release();
    await holding;
    await clock.tick(250);
    assert.equal((await call).product?.id, 'next');
    assert.equal(handled, 2);
  });

  it('gives up at once when the hint is longer than the time left', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const replica = await startReplica(
      async (request) => {
        if (request.id === 'hold') await held;
        return product(request.id);
      },
      {
        limit: { limit: aimdLimit({ initialLimit: 1, minLimit: 1, maxLimit: 1 }) },
        shedRetryAfterMs: 60_000,
      },
    );
    cleanup.push(() => replica.server.forceShutdown());
    const client = createRpcClient(CatalogService, {
      target: [replica.address],
      methods: { getProduct: { idempotent: true, timeoutMs: 2_000, retry: { backoff: constantBackoff(0) } } },
    });
    cleanup.push(() => client.$rpc.close());
    const holding = client.getProduct({ id: 'hold' });
    await waitFor(() => replica.calls.count === 1, { description: 'the only slot is taken' });
    const error = await client.getProduct({ id: 'next' }).catch((e: unknown) => e);
    assert.ok(isStatusError(error) && error.code === status.RESOURCE_EXHAUSTED);
    assert.match(error.details, /every replica is shedding, retry after \d+ ms/);
    release();
    await holding;
  });
});
