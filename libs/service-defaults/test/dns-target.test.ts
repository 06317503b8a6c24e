// A service whose peer address is `dns:///name:port` (as on Kubernetes, where the name is a headless Service) in
// real processes: the caller resolves the name itself and reaches the callee; a malformed target stops it with
// one line and exit 78.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { catalogV1 } from '@rebound/contracts';
import { createRpcClient } from '@rebound/rpc';
import { CONFIG_ERROR_EXIT_CODE } from '@rebound/service-defaults';
import { type ServiceProcess, startServiceProcess } from '@rebound/testing';
import { fixtureScript } from './support.ts';

const callerScript = fileURLToPath(new URL('./fixtures/caller.main.ts', import.meta.url));
const nodeArgs = ['--conditions=development'];

describe('a service calling its peer through CATALOG_ADDRS=dns:///localhost:<port>', () => {
  let callee: ServiceProcess | undefined;
  let caller: ServiceProcess | undefined;
  let client: ReturnType<typeof createRpcClient<typeof catalogV1.CatalogServiceService>> | undefined;

  before(async () => {
    callee = await startServiceProcess({ script: fixtureScript, nodeArgs });
    caller = await startServiceProcess({
      script: callerScript,
      nodeArgs,
      env: { CATALOG_ADDRS: `dns:///localhost:${callee.grpcPort}` },
    });
    client = createRpcClient(catalogV1.CatalogServiceService, {
      target: [caller.address],
      defaults: { breaker: false },
    });
  });

  after(async () => {
    client?.$rpc.close();
    await Promise.all([caller?.stop(), callee?.stop()]);
  });

  it('reaches the callee', async () => {
    const answer = await client!.getProduct({ id: 'p-1' });
    assert.equal(answer.product?.name, 'Rubber duck');
  });

  it('holds one endpoint per resolved address, not one channel named dns:///', async () => {
    const { products } = await client!.listProducts({ pageSize: 0, pageToken: '' });
    const endpoints = products.map((product) => product.id);
    assert.ok(endpoints.includes(`127.0.0.1:${callee!.grpcPort}`), endpoints.join());
    for (const address of endpoints) assert.doesNotMatch(address, /^dns:/);
  });
});

describe('a service given a malformed dns target', () => {
  for (const value of ['dns:///nohostport', 'dns:///catalog:50051,dns:///catalog-b:50051']) {
    it(`stops with one line naming CATALOG_ADDRS and exit code 78 (${value})`, async () => {
      const caller = await startServiceProcess({
        script: callerScript,
        nodeArgs,
        env: { CATALOG_ADDRS: value },
        waitReady: false,
      });
      try {
        assert.equal(await caller.exited, CONFIG_ERROR_EXIT_CODE);
        const lines = caller.output().trim().split('\n');
        assert.equal(lines.length, 1, caller.output());
        assert.match(lines[0]!, /^caller: invalid configuration: CATALOG_ADDRS: .*dns:\/\/\/name:port/);
      } finally {
        await caller.stop();
      }
    });
  }
});
