// A partition between two services through the admin fault API, in real processes: the caller's calls to its peer
// are refused or blackholed on the caller side (the peer never sees them) while the peer stays healthy to
// everyone else; bad bodies are refused with 400 and a message.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { status } from '@grpc/grpc-js';
import { catalogV1 } from '@rebound/contracts';
import { createRpcClient, isStatusError } from '@rebound/rpc';
import { type ServiceProcess, startServiceProcess, waitFor } from '@rebound/testing';
import { admin, fixtureScript, metric } from './support.ts';

const callerScript = fileURLToPath(new URL('./fixtures/caller.main.ts', import.meta.url));
const nodeArgs = ['--conditions=development'];
const definition = catalogV1.CatalogServiceService;
const peerCalls =
  'rebound_rpc_server_requests_total{operation="rebound.catalog.v1.CatalogService/GetProduct",outcome="OK"';

async function codeOf(call: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await call;
  } catch (error) {
    assert.ok(isStatusError(error), String(error));
    return { code: error.code, details: error.details };
  }
  return { code: status.OK, details: '' };
}

describe('link faults through /admin/faults: the caller cannot reach its peer', () => {
  let callee: ServiceProcess | undefined;
  let caller: ServiceProcess | undefined;
  let viaCaller: ReturnType<typeof createRpcClient<typeof definition>> | undefined;
  let direct: ReturnType<typeof createRpcClient<typeof definition>> | undefined;

  before(async () => {
    callee = await startServiceProcess({ script: fixtureScript, nodeArgs });
    caller = await startServiceProcess({
      script: callerScript,
      nodeArgs,
      env: { CATALOG_ADDRS: callee.address, LOG_LEVEL: 'info' },
    });
    viaCaller = createRpcClient(definition, {
      target: [caller.address],
      defaults: { breaker: false, retry: false },
    });
    direct = createRpcClient(definition, { target: [callee.address], defaults: { breaker: false } });
  });

  after(async () => {
    viaCaller?.$rpc.close();
    direct?.$rpc.close();
    await Promise.all([caller?.stop(), callee?.stop()]);
  });

  it('refuses bad link settings with 400 and a message, changing nothing', async () => {
    const url = caller!.adminUrl;
    const cases: [unknown, RegExp][] = [
      [{ links: [{ target: 'paymnts', mode: 'refuse' }] }, /no client for 'paymnts' \(it calls: catalog\)/],
      [{ links: [{ target: 'catalog', mode: 'drop' }] }, /links\.0\.mode/],
      [{ links: [{ target: 'catalog', mode: 'refuse', replica: 'catalog-1' }] }, /host:port/],
      [{ links: [{ target: 'catalog', mode: 'refuse', port: 1 }] }, /links\.0/],
      [
        {
          links: [
            { target: 'catalog', mode: 'refuse' },
            { target: 'catalog', mode: 'blackhole' },
          ],
        },
        /listed twice/,
      ],
      [{ links: { target: 'catalog' } }, /links/],
    ];
    for (const [body, message] of cases) {
      const answer = await admin(url, 'POST', '/admin/faults', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.match(String(answer.json.error), message);
    }
    assert.equal((await admin(url, 'POST', '/admin/faults', { links: [] }, false)).status, 401);
    assert.deepEqual((await admin(url, 'GET', '/admin/faults')).json.links, []);
    assert.equal(await metric(url, 'rebound_fault_active{fault="link"'), 0);
  });

  it('refuse: the caller fails its calls to the peer at once, the peer sees none and still serves others', async () => {
    const url = caller!.adminUrl;
    assert.equal((await viaCaller!.getProduct({ id: 'p-1' })).product?.id, 'p-1');
    const reachedBefore = (await metric(callee!.adminUrl, peerCalls)) ?? 0;
    const on = await admin(url, 'POST', '/admin/faults', { links: [{ target: 'catalog', mode: 'refuse' }] });
    assert.equal(on.status, 200);
    assert.deepEqual(on.json.links, [{ target: 'catalog', mode: 'refuse' }]);
    assert.equal(await metric(url, 'rebound_fault_active{fault="link"'), 1);
    const refused = await codeOf(viaCaller!.getProduct({ id: 'p-1' }));
    assert.equal(refused.code, status.UNAVAILABLE);
    // Each attempt is counted: the caller's retries meet the same refusal.
    assert.ok(
      ((await metric(url, 'rebound_fault_link_injections_total{target="catalog",mode="refuse"')) ?? 0) >= 1,
    );
    assert.equal((await metric(callee!.adminUrl, peerCalls)) ?? 0, reachedBefore, 'no call crossed the link');
    // The peer itself is healthy: a client that is not partitioned from it is served.
    assert.equal((await direct!.getProduct({ id: 'p-1' })).product?.id, 'p-1');
    await waitFor(
      () =>
        /link fault took effect: a call to catalog at 127\.0\.0\.1:\d+ was refused/.test(caller!.output()),
      {
        description: 'the first refused call is logged',
      },
    );
    assert.match(caller!.output(), /link faults on: catalog \(refuse\)/);
  });

  it('blackhole: the call hangs until the deadline, then the link heals', async () => {
    const url = caller!.adminUrl;
    await admin(url, 'POST', '/admin/faults', { links: [{ target: 'catalog', mode: 'blackhole' }] });
    const dropped = await codeOf(viaCaller!.getProduct({ id: 'p-1' }, { timeoutMs: 400 }));
    assert.equal(dropped.code, status.DEADLINE_EXCEEDED);
    await waitFor(
      async () =>
        ((await metric(url, 'rebound_fault_link_injections_total{target="catalog",mode="blackhole"')) ?? 0) >=
        1,
      { description: 'the dropped call is counted' },
    );
    assert.equal((await admin(url, 'DELETE', '/admin/faults')).status, 200);
    assert.equal(await metric(url, 'rebound_fault_active{fault="link"'), 0);
    assert.equal((await viaCaller!.getProduct({ id: 'p-1' })).product?.id, 'p-1');
    assert.match(caller!.output(), /link faults off: every link heals/);
  });
});
