import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { constantBackoff } from '@rebound/resilience';
import { FakeClock } from '@rebound/resilience/testing';
import { waitFor } from '@rebound/testing';
import { createRpcClient } from '../src/index.ts';
import { CatalogService, fastReconnect, type Replica, startReplica } from './support.ts';

describe('client balancing', () => {
  const cleanup: (() => void)[] = [];
  after(() => {
    for (const fn of cleanup) fn();
  });

  it('spreads calls round robin across two replicas', async () => {
    const a = await startReplica();
    const b = await startReplica();
    cleanup.push(
      () => a.server.forceShutdown(),
      () => b.server.forceShutdown(),
    );
    const client = createRpcClient(CatalogService, { target: [a.address, b.address] });
    cleanup.push(() => client.$rpc.close());
    const seen = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      const response = await client.getProduct({ id: String(i) });
      const name = response.product?.name ?? '';
      seen.set(name, (seen.get(name) ?? 0) + 1);
    }
    assert.equal(seen.get(a.address), 10);
    assert.equal(seen.get(b.address), 10);
  });

  it('keeps succeeding when a replica is killed under load, ejects it and probes it back once it returns', async () => {
    const clock = new FakeClock();
    const a = await startReplica();
    let b: Replica = await startReplica();
    const bPort = b.port;
    cleanup.push(
      () => a.server.forceShutdown(),
      () => b.server.forceShutdown(),
    );
    const client = createRpcClient(CatalogService, {
      target: `${a.address},${b.address}`,
      clock,
      methods: {
        getProduct: {
          idempotent: true,
          timeoutMs: 2_000,
          retry: { maxRetries: 2, backoff: constantBackoff(0) },
        },
      },
      outlierDetection: { consecutiveFailures: 3, baseEjectionMs: 10_000, maxEjectionMs: 60_000 },
      channelOptions: fastReconnect,
    });
    cleanup.push(() => client.$rpc.close());
    const ejections: string[] = [];
    const returns: string[] = [];
    client.$rpc.pool.detector.onEject((e) => ejections.push(e.address));
    client.$rpc.pool.detector.onReturn((e) => returns.push(e.address));

    const total = 3_000;
    const concurrency = 8;
    let issued = 0;
    let ok = 0;
    const failures: string[] = [];
    const worker = async (): Promise<void> => {
      while (issued < total) {
        const i = issued++;
        if (i === 500) b.server.forceShutdown();
        try {
          await client.getProduct({ id: String(i) });
          ok++;
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const ratio = ok / total;
    console.log(
      `# kill one of two replicas under load: ${ok}/${total} succeeded (ratio ${ratio.toFixed(5)})`,
    );
    assert.ok(ratio >= 0.999, `success ratio ${ratio} below 0.999: ${failures.slice(0, 3).join(' | ')}`);
    assert.deepEqual(ejections, [b.address]);
    const aCallsBefore = a.calls.count;
    assert.ok(aCallsBefore > 2_400, 'the survivor served the calls after the kill');

    // The replica returns on the same port; once the ejection is over, traffic probes it and it rejoins.
    b = await startReplica(undefined, { port: bPort });
    clock.advance(10_000);
    await waitFor(
      async () => {
        await client.getProduct({ id: 'probe' }).catch(() => undefined);
        if (returns.length > 0) return true;
        clock.advance(60_000);
        return false;
      },
      { description: 'the returned replica is probed back', timeoutMs: 15_000 },
    );
    assert.deepEqual(returns, [b.address]);
    const before = b.calls.count;
    for (let i = 0; i < 10; i++) await client.getProduct({ id: String(i) });
    assert.ok(b.calls.count - before >= 4, 'the returned replica is back in rotation');
  });
});
