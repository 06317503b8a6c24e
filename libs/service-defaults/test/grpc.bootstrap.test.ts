import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { catalogV1 } from '@rebound/contracts';
import { createRpcClient, type RpcClient } from '@rebound/rpc';
import { INJECTED_CRASH_EXIT_CODE } from '@rebound/service-defaults';
import { type ServiceProcess, startServiceProcess, waitFor } from '@rebound/testing';
import { admin, fixtureScript, metric } from './support.ts';

const definition = catalogV1.CatalogServiceService;

async function codeOf(call: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await call;
  } catch (error) {
    return error as { code: number; details: string };
  }
  return { code: status.OK, details: '' };
}

describe('bootstrap: a service in a real process', () => {
  let service: ServiceProcess;
  let client: RpcClient<typeof definition> & { $rpc: { close(): void } };

  before(async () => {
    service = await startServiceProcess({ script: fixtureScript, nodeArgs: ['--conditions=development'] });
    client = createRpcClient(definition, { target: [service.address], defaults: { breaker: false } });
  });

  after(async () => {
    client?.$rpc.close();
    await service?.stop();
  });

  it('serves the gRPC service and records RED metrics on /metrics', async () => {
    const { products } = await client.listProducts({ pageSize: 0, pageToken: '' });
    assert.deepEqual(
      products.map((product) => product.id),
      ['p-1'],
    );
    const served = await metric(
      service.adminUrl,
      'rebound_rpc_server_requests_total{operation="rebound.catalog.v1.CatalogService/ListProducts",outcome="OK"',
    );
    assert.ok(served !== undefined && served >= 1);
  });

  it('answers a bad request with INVALID_ARGUMENT naming the field', async () => {
    const error = await codeOf(client.getProduct({ id: '' }));
    assert.equal(error.code, status.INVALID_ARGUMENT);
    assert.match(error.details, /id: is required/);
  });

  it('answers INTERNAL for a bug in a handler without leaking its message, and keeps serving', async () => {
    const error = await codeOf(client.getProduct({ id: 'boom' }));
    assert.equal(error.code, status.INTERNAL);
    assert.doesNotMatch(error.details, /secret/);
    assert.equal((await client.getProduct({ id: 'p-1' })).product?.id, 'p-1');
  });

  it('refuses the fault endpoint without the bearer token (401) and bad settings (400)', async () => {
    assert.equal((await admin(service.adminUrl, 'GET', '/admin/faults', undefined, false)).status, 401);
    assert.equal(
      (await admin(service.adminUrl, 'POST', '/admin/faults', { errorRate: 1 }, false)).status,
      401,
    );
    const bad = await admin(service.adminUrl, 'POST', '/admin/faults', { errorRate: 2 });
    assert.equal(bad.status, 400);
    assert.match(String(bad.json.error), /errorRate/);
    const current = await admin(service.adminUrl, 'GET', '/admin/faults');
    assert.equal(current.json.errorRate, 0);
  });

  it('injects errors while switched on, visibly in metrics, and stops when switched off', async () => {
    const on = await admin(service.adminUrl, 'POST', '/admin/faults', {
      errorRate: 1,
      errorCode: 'UNAVAILABLE',
    });
    assert.equal(on.status, 200);
    assert.equal(await metric(service.adminUrl, 'rebound_fault_active{fault="error"'), 1);
    const error = await codeOf(client.getProduct({ id: 'p-1' }));
    assert.equal(error.code, status.UNAVAILABLE);
    assert.match(error.details, /injected/);
    const injected = await metric(
      service.adminUrl,
      'rebound_rpc_server_requests_total{operation="rebound.catalog.v1.CatalogService/GetProduct",outcome="UNAVAILABLE"',
    );
    assert.ok((injected ?? 0) >= 1);
    assert.equal((await admin(service.adminUrl, 'DELETE', '/admin/faults')).status, 200);
    assert.equal(await metric(service.adminUrl, 'rebound_fault_active{fault="error"'), 0);
    assert.equal((await client.getProduct({ id: 'p-1' })).product?.id, 'p-1');
  });

  it('hangs calls until the caller deadline cuts them, then serves again', async () => {
    await admin(service.adminUrl, 'POST', '/admin/faults', { hang: true });
    const error = await codeOf(client.getProduct({ id: 'p-1' }, { timeoutMs: 300 }));
    assert.equal(error.code, status.DEADLINE_EXCEEDED);
    await admin(service.adminUrl, 'POST', '/admin/faults', { hang: false });
    assert.equal((await client.getProduct({ id: 'p-1' })).product?.id, 'p-1');
  });

  it('adds latency while switched on', async () => {
    await admin(service.adminUrl, 'POST', '/admin/faults', { latencyMs: 2_000 });
    const error = await codeOf(client.getProduct({ id: 'p-1' }, { timeoutMs: 300 }));
    assert.equal(error.code, status.DEADLINE_EXCEEDED);
    assert.equal(await metric(service.adminUrl, 'rebound_fault_active{fault="latency"'), 1);
    await admin(service.adminUrl, 'DELETE', '/admin/faults');
  });

  it('leaks memory and burns CPU on demand, each visible in a metric', async () => {
    await admin(service.adminUrl, 'POST', '/admin/faults', { leakMbPerSecond: 5, cpuBurnPercent: 20 });
    assert.equal(await metric(service.adminUrl, 'rebound_fault_active{fault="leak"'), 1);
    assert.equal(await metric(service.adminUrl, 'rebound_fault_active{fault="cpu_burn"'), 1);
    await waitFor(async () => ((await metric(service.adminUrl, 'rebound_fault_leaked_bytes')) ?? 0) > 0, {
      description: 'leaked bytes',
    });
    await waitFor(
      async () =>
        ((await metric(service.adminUrl, 'rebound_fault_injections_total{fault="cpu_burn"')) ?? 0) > 0,
      {
        description: 'cpu burn',
      },
    );
    await admin(service.adminUrl, 'DELETE', '/admin/faults');
    assert.equal(await metric(service.adminUrl, 'rebound_fault_leaked_bytes'), 0);
  });
});

describe('bootstrap: process lifecycle', () => {
  it('drains and exits 0 on SIGTERM, finishing a call in flight', async () => {
    const service = await startServiceProcess({
      script: fixtureScript,
      nodeArgs: ['--conditions=development'],
      env: { LOG_LEVEL: 'info' },
    });
    const client = createRpcClient(definition, { target: [service.address], defaults: { breaker: false } });
    try {
      const inflight = client.getProduct({ id: 'slow' }, { timeoutMs: 5_000 });
      await waitFor(
        async () => (await metric(service.adminUrl, 'rebound_rpc_server_handlers_inflight')) === 1,
        { description: 'the slow call in flight' },
      );
      const exit = service.stop();
      assert.equal((await inflight).product?.id, 'slow');
      assert.equal(await exit, 0);
      assert.match(service.output(), /shutdown: done, exit 0/);
    } finally {
      client.$rpc.close();
      await service.stop();
    }
  });

  it('crashes on demand: the process exits with code 70', async () => {
    const service = await startServiceProcess({
      script: fixtureScript,
      nodeArgs: ['--conditions=development'],
    });
    try {
      const answer = await admin(service.adminUrl, 'POST', '/admin/faults', { crash: true });
      assert.equal(answer.status, 200);
      assert.equal(await service.exited, INJECTED_CRASH_EXIT_CODE);
    } finally {
      await service.stop();
    }
  });
});
