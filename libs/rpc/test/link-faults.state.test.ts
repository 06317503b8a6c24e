import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { paymentsV1 } from '@rebound/contracts';
import { constantBackoff } from '@rebound/resilience';
import { FakeClock } from '@rebound/resilience/testing';
import { waitFor } from '@rebound/testing';
import {
  createRpcClient,
  createRpcServer,
  isStatusError,
  type LinkFaultEvent,
  LinkFaults,
  peerName,
} from '../src/index.ts';
import { CatalogService, startReplica } from './support.ts';

/** A payments replica on 127.0.0.1 counting the charges that reached it. */
async function startPayments(): Promise<{ address: string; calls: { count: number }; close(): void }> {
  const server = createRpcServer();
  const calls = { count: 0 };
  server.addService(paymentsV1.PaymentsServiceService, {
    charge: (request) => {
      calls.count++;
      return { paymentId: request.paymentId, status: paymentsV1.PaymentStatus.PAYMENT_STATUS_CHARGED };
    },
    refund: (request) => ({
      paymentId: request.paymentId,
      status: paymentsV1.PaymentStatus.PAYMENT_STATUS_REFUNDED,
    }),
  });
  const port = await server.listen('127.0.0.1:0');
  return { address: `127.0.0.1:${port}`, calls, close: () => server.forceShutdown() };
}

async function rejection(promise: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isStatusError(error), `expected a status error, got ${String(error)}`);
    return { code: error.code, details: error.details };
  }
  assert.fail('expected the call to fail');
}

const charge = (id: string) => ({
  paymentId: id,
  orderId: `o-${id}`,
  amount: { amountMinor: 100, currency: 'EUR' },
});

describe('link faults (a partition between two services, on the caller side)', () => {
  const cleanup: (() => void)[] = [];
  after(() => {
    for (const fn of cleanup) fn();
  });

  it('names a peer from its package', () => {
    assert.equal(peerName('/rebound.payments.v1.PaymentsService/Charge'), 'payments');
    assert.equal(peerName('/grpc.health.v1.Health/Check'), 'grpc.health.v1.Health');
  });

  it('refuses every call to the partitioned peer at once while the other link works, and heals', async () => {
    const payments = await startPayments();
    const catalog = await startReplica();
    cleanup.push(payments.close, () => catalog.server.forceShutdown());
    const links = new LinkFaults();
    const events: LinkFaultEvent[] = [];
    links.onInject((event) => events.push(event));
    const paymentsClient = createRpcClient(paymentsV1.PaymentsServiceService, {
      target: [payments.address],
      linkFaults: links,
      defaults: { idempotent: true, retry: false, timeoutMs: 5_000 },
    });
    const catalogClient = createRpcClient(CatalogService, { target: [catalog.address], linkFaults: links });
    cleanup.push(
      () => paymentsClient.$rpc.close(),
      () => catalogClient.$rpc.close(),
    );
    assert.deepEqual(links.targets, ['catalog', 'payments']);
    assert.equal((await paymentsClient.charge(charge('p0'))).paymentId, 'p0');

    links.configure([{ target: 'payments', mode: 'refuse' }]);
    const refused = await rejection(paymentsClient.charge(charge('p1')));
    assert.equal(refused.code, status.UNAVAILABLE);
    assert.match(refused.details, /link to payments at 127\.0\.0\.1:\d+ refused \(injected fault\)/);
    assert.equal(payments.calls.count, 1, 'the refused call never reached payments');
    assert.equal((await catalogClient.getProduct({ id: 'a' })).product?.id, 'a', 'catalog still answers');
    assert.deepEqual(
      events.map((e) => [e.target, e.mode, e.operation]),
      [['payments', 'refuse', 'rebound.payments.v1.PaymentsService/Charge']],
    );

    links.configure([]);
    assert.equal((await paymentsClient.charge(charge('p2'))).paymentId, 'p2');
    assert.equal(payments.calls.count, 2);
  });

  it('blackholes a call until its deadline (DEADLINE_EXCEEDED), never sending it', async () => {
    const payments = await startPayments();
    cleanup.push(payments.close);
    const links = new LinkFaults();
    const clock = new FakeClock();
    const client = createRpcClient(paymentsV1.PaymentsServiceService, {
      target: [payments.address],
      linkFaults: links,
      clock,
      defaults: { idempotent: true, timeoutMs: 300 },
    });
    cleanup.push(() => client.$rpc.close());
    links.configure([{ target: 'payments', mode: 'blackhole' }]);
    let settled = false;
    const pending = rejection(client.charge(charge('b1'))).finally(() => {
      settled = true;
    });
    await waitFor(() => clock.pendingTimers > 0, { description: 'the dropped call waits for its deadline' });
    await clock.tick(299);
    assert.equal(settled, false, 'a blackholed call hangs until its deadline, it does not fail fast');
    await clock.tick(1);
    const dropped = await pending;
    assert.equal(dropped.code, status.DEADLINE_EXCEEDED);
    assert.match(dropped.details, /blackholed \(injected fault\)/);
    assert.equal(payments.calls.count, 0);
  });

  it('a cancelled call on a blackholed link ends CANCELLED at once', async () => {
    const payments = await startPayments();
    cleanup.push(payments.close);
    const links = new LinkFaults();
    const client = createRpcClient(paymentsV1.PaymentsServiceService, {
      target: [payments.address],
      linkFaults: links,
      defaults: { idempotent: true, timeoutMs: 60_000 },
    });
    cleanup.push(() => client.$rpc.close());
    links.configure([{ target: 'payments', mode: 'blackhole' }]);
    const abort = new AbortController();
    const pending = rejection(client.charge(charge('c1'), { signal: abort.signal }));
    abort.abort();
    assert.equal((await pending).code, status.CANCELLED);
    assert.equal(payments.calls.count, 0);
  });

  it('partitions one replica only: a retry reaches the other one', async () => {
    const a = await startReplica();
    const b = await startReplica();
    cleanup.push(
      () => a.server.forceShutdown(),
      () => b.server.forceShutdown(),
    );
    const links = new LinkFaults();
    const client = createRpcClient(CatalogService, {
      target: [a.address, b.address],
      linkFaults: links,
      methods: {
        getProduct: {
          idempotent: true,
          timeoutMs: 5_000,
          retry: { maxRetries: 1, backoff: constantBackoff(0) },
        },
      },
    });
    cleanup.push(() => client.$rpc.close());
    await client.$rpc.ready;
    links.configure([{ target: 'catalog', replica: a.address, mode: 'refuse' }]);
    for (let i = 0; i < 6; i++)
      assert.equal((await client.getProduct({ id: `x${i}` })).product?.name, b.address);
    assert.equal(a.calls.count, 0, 'no call crossed the partitioned link');
    assert.equal(b.calls.count, 6);
    assert.equal(links.match('catalog', b.address), undefined);
    assert.equal(links.match('catalog', a.address), 'refuse');
  });
});
