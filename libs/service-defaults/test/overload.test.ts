// The one overload signal in a real service process: while its event loop is blocked 90 ms of every 100 ms
// (the CPU-burn fault), readiness fails and the signal's gauge says so, while calls that reach it are still
// served (a backend sheds by queue time, not on the loop signal); once the burn stops, all of it recovers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { catalogV1 } from '@rebound/contracts';
import { createRpcClient, type RpcClient } from '@rebound/rpc';
import { type ServiceProcess, startServiceProcess, waitFor } from '@rebound/testing';
import { admin, fixtureScript, metric } from './support.ts';

const definition = catalogV1.CatalogServiceService;

describe('overload signal: a service whose event loop is blocked', () => {
  let service: ServiceProcess;
  let client: RpcClient<typeof definition> & { $rpc: { close(): void } };

  before(async () => {
    service = await startServiceProcess({
      script: fixtureScript,
      nodeArgs: ['--conditions=development'],
      env: { OVERLOAD_EVENT_LOOP_DELAY_MS: '40' },
    });
    client = createRpcClient(definition, {
      target: [service.address],
      defaults: { breaker: false, retry: false },
    });
  });

  after(async () => {
    client?.$rpc.close();
    await service?.stop();
  });

  it('fails readiness while blocked, still serving the calls that reach it, then recovers', async () => {
    assert.equal((await client.getProduct({ id: 'p-1' })).product?.id, 'p-1');
    assert.equal(
      (await admin(service.adminUrl, 'POST', '/admin/faults', { cpuBurnPercent: 90 })).status,
      200,
    );

    const report = await waitFor(
      async () => {
        const response = await fetch(`${service.adminUrl}/readyz?verbose`);
        const text = await response.text();
        return response.status === 503 && /event-loop/.test(text) ? text : undefined;
      },
      { timeoutMs: 10_000, description: 'readiness to fail on the overload signal' },
    );
    assert.match(report, /overloaded: event loop delay \d+ ms \(bound 40 ms\)/);
    assert.equal(await metric(service.adminUrl, 'rebound_overload_signal{reading="overloaded"'), 1);

    // Taken out of rotation, not refusing: a caller that still reaches it is served.
    assert.equal((await client.getProduct({ id: 'p-1' })).product?.id, 'p-1');
    const shedOnSignal = await metric(
      service.adminUrl,
      'rebound_resilience_sheds_total{policy="rpc_server",target="rebound.catalog.v1.CatalogService/GetProduct"',
    );
    assert.equal(shedOnSignal ?? 0, 0, 'no call shed on the loop signal');

    assert.equal((await admin(service.adminUrl, 'DELETE', '/admin/faults')).status, 200);
    await waitFor(async () => (await fetch(`${service.adminUrl}/readyz`)).status === 200, {
      timeoutMs: 10_000,
      description: 'readiness back once the loop is calm',
    });
    assert.equal((await client.getProduct({ id: 'p-1' })).product?.id, 'p-1');
    assert.equal(await metric(service.adminUrl, 'rebound_overload_signal{reading="overloaded"'), 0);
  });
});
