// A replica frozen (SIGSTOP) past the calls' deadline: its connection stays open and silent, so neither a
// refused connection nor a failure tells the client anything until the deadline. Hedging sends the request to
// the other replica once the first attempt is late, and the first answer wins.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { createRpcClient } from '../src/index.ts';
import { CatalogService, fastReconnect, killReplicas, spawnReplica } from './support.ts';

describe('a replica process frozen under load', () => {
  const children: ChildProcess[] = [];
  after(() => killReplicas(children));

  it('keeps hedged calls answering within their deadline, and uses the replica again once thawed', async () => {
    const a = await spawnReplica();
    const b = await spawnReplica();
    children.push(a.child, b.child);
    const bAddress = `127.0.0.1:${b.port}`;
    const client = createRpcClient(CatalogService, {
      target: [`127.0.0.1:${a.port}`, bAddress],
      methods: { getProduct: { idempotent: true, timeoutMs: 1_000, retry: false, hedge: {} } },
      channelOptions: fastReconnect,
    });
    const hedging = client.$rpc.policies.get('getProduct')?.hedging;
    assert.ok(hedging, 'the method is hedged');
    let hedges = 0;
    let wonByHedge = 0;
    hedging.onHedge(() => hedges++);
    hedging.onSettle((e) => {
      if (e.winner > 0) wonByHedge++;
    });
    try {
      let ok = 0;
      let issued = 0;
      const errors: string[] = [];
      const servedBy = new Set<string>();
      const run = async (total: number): Promise<void> => {
        const worker = async (): Promise<void> => {
          while (issued < total) {
            issued++;
            try {
              servedBy.add((await client.getProduct({ id: String(issued) })).product?.name ?? '');
              ok++;
            } catch (error) {
              errors.push(String(error));
            }
          }
        };
        await Promise.all(Array.from({ length: 4 }, worker));
      };
      await run(200);
      b.child.kill('SIGSTOP');
      const frozenFrom = issued;
      // Past the calls' 1 s deadline: without a hedge, every call sent to the frozen replica fails.
      const thaw = setTimeout(() => b.child.kill('SIGCONT'), 1_500);
      await run(frozenFrom + 600);
      clearTimeout(thaw);
      b.child.kill('SIGCONT');
      servedBy.clear();
      await run(issued + 200);
      console.log(
        `# one of two replica processes frozen 1.5 s under load: ${ok}/${issued} ok, ${hedges} hedges, ` +
          `${wonByHedge} calls answered by the hedge`,
      );
      assert.ok(ok / issued >= 0.999, `success ratio ${ok}/${issued}: ${errors.slice(0, 3).join(' | ')}`);
      assert.ok(wonByHedge > 0, 'calls stuck on the frozen replica were answered by a hedge');
      assert.ok(servedBy.has(bAddress), 'the thawed replica serves again');
    } finally {
      client.$rpc.close();
      for (const child of [a.child, b.child]) child.stdin?.end();
    }
  });
});
