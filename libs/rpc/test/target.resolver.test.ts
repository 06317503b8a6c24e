import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { status } from '@grpc/grpc-js';
import { createRpcClient, resolverFor } from '../src/index.ts';
import { CatalogService } from './support.ts';

describe('resolverFor', () => {
  it('reads a comma-separated address list, as the local runtime passes it', async () => {
    const resolver = resolverFor('127.0.0.1:50051, 127.0.0.1:50052');
    assert.equal(resolver.dynamic, false);
    assert.deepEqual(await resolver.resolve(), ['127.0.0.1:50051', '127.0.0.1:50052']);
  });

  it('resolves dns:/// targets to one address per record', async () => {
    const resolver = resolverFor('dns:///localhost:50051');
    assert.equal(resolver.dynamic, true);
    const addresses = await resolver.resolve();
    assert.ok(addresses.includes('127.0.0.1:50051') || addresses.includes('[::1]:50051'), addresses.join());
  });

  it("re-reads a file:/// target (the local supervisor's endpoints file) at every resolve", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rebound-endpoints-'));
    try {
      const file = join(dir, 'catalog');
      await writeFile(file, '127.0.0.1:50051\n127.0.0.1:50052\n');
      const resolver = resolverFor(pathToFileURL(file).href);
      assert.equal(resolver.dynamic, true);
      assert.equal(resolver.refreshMs, 1000);
      assert.deepEqual(await resolver.resolve(), ['127.0.0.1:50051', '127.0.0.1:50052']);
      await writeFile(file, '127.0.0.1:50052\n127.0.0.1:50053\n');
      assert.deepEqual(await resolver.resolve(), ['127.0.0.1:50052', '127.0.0.1:50053']);
      await rm(file);
      await assert.rejects(resolver.resolve(), /ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an empty list and a dns target without a port', () => {
    assert.throws(() => resolverFor(''), /no address/);
    assert.throws(() => resolverFor('dns:///catalog'), /expected dns:\/\/\/name:port/);
  });
});

describe('a dns:/// target that does not resolve', () => {
  it('fails calls UNAVAILABLE instead of ending the process with an unhandled rejection', async () => {
    // RFC 6761: .invalid never resolves, like a headless Service before any of its pods is ready (NXDOMAIN).
    const client = createRpcClient(CatalogService, {
      target: 'dns:///no-such-service.invalid:50051',
      defaults: { breaker: false },
      dnsRefreshMs: 60_000,
    });
    try {
      await client.$rpc.ready;
      assert.equal(client.$rpc.pool.endpoints.length, 0);
      await assert.rejects(client.getProduct({ id: 'p-1' }), (error: { code: number; details: string }) => {
        assert.equal(error.code, status.UNAVAILABLE);
        assert.match(error.details, /no address known/);
        return true;
      });
    } finally {
      client.$rpc.close();
    }
  });
});

describe('EndpointPool.update', () => {
  it('keeps the channels of addresses still resolved, opens new ones and drops the rest', async () => {
    const { EndpointPool, OutlierDetector } = await import('../src/index.ts');
    const { systemClock } = await import('@rebound/resilience');
    let addresses = ['127.0.0.1:1', '127.0.0.1:2'];
    const pool = new EndpointPool({
      resolver: { dynamic: true, resolve: () => Promise.resolve(addresses) },
      detector: new OutlierDetector(),
      clock: systemClock,
    });
    await pool.refresh();
    const [first, second] = pool.endpoints;
    addresses = ['127.0.0.1:2', '127.0.0.1:3'];
    await pool.refresh();
    assert.deepEqual(
      pool.endpoints.map((e) => e.address),
      ['127.0.0.1:2', '127.0.0.1:3'],
    );
    assert.equal(pool.endpoints[0], second, 'the surviving replica keeps its channel and outlier state');
    assert.notEqual(pool.endpoints[1], first);
    addresses = [];
    await pool.refresh();
    assert.equal(pool.endpoints.length, 2, 'an empty answer (DNS hiccup) keeps the last known replicas');
    pool.close();
  });
});
