import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { constantBackoff } from '@rebound/resilience';
import { FakeClock } from '@rebound/resilience/testing';
import { waitFor } from '@rebound/testing';
import { createRpcClient } from '../src/index.ts';
import { CatalogService, fastReconnect, killReplicas, spawnReplica } from './support.ts';

describe('a replica process SIGKILLed under load', () => {
  const children: ChildProcess[] = [];
  after(() => killReplicas(children));

  it('keeps calls succeeding, ejects the dead replica and takes it back after a restart', async () => {
    const clock = new FakeClock();
    const a = await spawnReplica();
    let b = await spawnReplica();
    children.push(a.child, b.child);
    const bAddress = `127.0.0.1:${b.port}`;
    const client = createRpcClient(CatalogService, {
      target: [`127.0.0.1:${a.port}`, bAddress],
      clock,
      methods: {
        getProduct: {
          idempotent: true,
          timeoutMs: 5_000,
          retry: { maxRetries: 2, backoff: constantBackoff(0) },
        },
      },
      outlierDetection: { consecutiveFailures: 3, baseEjectionMs: 10_000 },
      channelOptions: fastReconnect,
    });
    const ejected: string[] = [];
    const returned: string[] = [];
    client.$rpc.pool.detector.onEject((e) => ejected.push(e.address));
    client.$rpc.pool.detector.onReturn((e) => returned.push(e.address));
    try {
      const total = 2_000;
      let issued = 0;
      let ok = 0;
      const errors: string[] = [];
      const worker = async (): Promise<void> => {
        while (issued < total) {
          if (issued++ === 400) b.child.kill('SIGKILL');
          try {
            await client.getProduct({ id: String(issued) });
            ok++;
          } catch (error) {
            errors.push(String(error));
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      const ratio = ok / total;
      console.log(
        `# SIGKILL of one of two replica processes under load: ${ok}/${total} (ratio ${ratio.toFixed(5)})`,
      );
      assert.ok(ratio >= 0.999, `success ratio ${ratio}: ${errors.slice(0, 3).join(' | ')}`);
      assert.deepEqual(ejected, [bAddress]);

      b = await spawnReplica(b.port);
      children.push(b.child);
      clock.advance(10_000);
      await waitFor(
        async () => {
          await client.getProduct({ id: 'probe' }).catch(() => undefined);
          if (returned.length > 0) return true;
          clock.advance(60_000);
          return false;
        },
        { description: 'the restarted replica is probed back', timeoutMs: 20_000 },
      );
      assert.deepEqual(returned, [bAddress]);
      const names = new Set<string>();
      for (let i = 0; i < 6; i++) names.add((await client.getProduct({ id: String(i) })).product?.name ?? '');
      assert.ok(names.has(bAddress), 'the restarted replica serves again');
    } finally {
      client.$rpc.close();
      for (const child of [a.child, b.child]) child.stdin?.end();
    }
  });
});
