import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolverFor } from '../src/index.ts';

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

  it('refuses an empty list and a dns target without a port', () => {
    assert.throws(() => resolverFor(''), /no address/);
    assert.throws(() => resolverFor('dns:///catalog'), /expected dns:\/\/\/name:port/);
  });
});
