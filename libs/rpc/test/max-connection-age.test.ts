// The design's "servers set a max connection age so new pods receive traffic after scale-up": a client that keeps
// one connection (grpc-js pick_first, a proxy) is sent away when the connection reaches its age and reconnects,
// so it can land on a pod that did not exist when it first connected.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Client, connectivityState, credentials } from '@grpc/grpc-js';
import { catalogV1 } from '@rebound/contracts';
import { DEFAULT_MAX_CONNECTION_AGE_GRACE_MS, DEFAULT_MAX_CONNECTION_AGE_MS } from '../src/index.ts';
import { startReplica } from './support.ts';

/** Resolves with the channel's next state after `from`, or rejects after `timeoutMs`. */
function nextState(client: Client, from: connectivityState, timeoutMs: number): Promise<connectivityState> {
  const channel = client.getChannel();
  return new Promise((resolve, reject) =>
    channel.watchConnectivityState(from, Date.now() + timeoutMs, (error) =>
      error ? reject(error) : resolve(channel.getConnectivityState(false)),
    ),
  );
}

describe('server max connection age', () => {
  const cleanup: (() => void)[] = [];
  after(() => {
    for (const fn of cleanup) fn();
  });

  it('is on by default and bounded (minutes, not forever)', () => {
    assert.ok(DEFAULT_MAX_CONNECTION_AGE_MS > 0 && DEFAULT_MAX_CONNECTION_AGE_MS <= 10 * 60_000);
    assert.ok(DEFAULT_MAX_CONNECTION_AGE_GRACE_MS > 0);
  });

  it('ends a connection that reached its age without the client asking; the next call reconnects', async () => {
    const replica = await startReplica(undefined, { maxConnectionAgeMs: 300, maxConnectionAgeGraceMs: 200 });
    cleanup.push(() => replica.server.forceShutdown());
    const client = new Client(replica.address, credentials.createInsecure());
    cleanup.push(() => client.close());
    const call = () =>
      new Promise<void>((resolve, reject) =>
        client.makeUnaryRequest(
          catalogV1.CatalogServiceService.getProduct.path,
          (request: catalogV1.GetProductRequest) =>
            catalogV1.CatalogServiceService.getProduct.requestSerialize(request),
          (bytes: Buffer) => bytes,
          { id: 'p-1' },
          (error) => (error ? reject(error) : resolve()),
        ),
      );
    await call();
    assert.equal(client.getChannel().getConnectivityState(false), connectivityState.READY);
    // The server sends GOAWAY at ~300 ms (+ jitter): the channel leaves READY by itself.
    const left = await nextState(client, connectivityState.READY, 10_000);
    assert.notEqual(left, connectivityState.READY);
    await call();
    assert.equal(replica.calls.count, 2);
  });
});
