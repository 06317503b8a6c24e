import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { status } from '@grpc/grpc-js';
import { paymentsV1 } from '@rebound/contracts';
import { createRpcClient } from '@rebound/rpc';
import {
  adminRequest,
  metricValue,
  netCharges,
  readLedger,
  rpcFailure,
  type ServiceProcess,
  startServiceProcess,
  waitFor,
} from '@rebound/testing';

const script = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

describe('payments (the built service over real gRPC)', () => {
  let service: ServiceProcess;
  let dataDir: string;
  let client: ReturnType<typeof createRpcClient<typeof paymentsV1.PaymentsServiceService>>;
  const processed = (outcome: string) =>
    metricValue(
      service.adminUrl,
      `rebound_payments_processor_calls_total{operation="charge",outcome="${outcome}"`,
    );

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rebound-payments-'));
    service = await startServiceProcess({
      script,
      env: { SERVICE_NAME: 'payments', DATA_DIR: dataDir },
      readyTimeoutMs: 120_000,
    });
    // No retries and no breaker here: each assertion is about one call's answer.
    client = createRpcClient(paymentsV1.PaymentsServiceService, {
      target: [service.address],
      defaults: { breaker: false, timeoutMs: 10_000 },
    });
  });

  after(async () => {
    client?.$rpc.close();
    if (service) assert.equal(await service.stop(), 0, 'SIGTERM drains and exits 0');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('charges once per payment id: a repeat returns the first outcome without charging again', async () => {
    const request = { paymentId: 'pay-1', orderId: 'o-1', amount: eur(1_999) };
    assert.equal((await client.charge(request)).status, 'PAYMENT_STATUS_CHARGED');
    const before = await processed('approved');
    assert.equal((await client.charge(request)).status, 'PAYMENT_STATUS_CHARGED');
    assert.equal(await processed('approved'), before, 'the processor was not asked again');
    const other = await rpcFailure(client.charge({ ...request, amount: eur(5) }));
    assert.equal(other.code, status.ALREADY_EXISTS);
  });

  it('refunds once; a second refund answers the same; both are in the ledger once', async () => {
    await client.charge({ paymentId: 'pay-2', orderId: 'o-2', amount: eur(500) });
    assert.equal(
      (await client.refund({ paymentId: 'pay-2', orderId: 'o-2' })).status,
      'PAYMENT_STATUS_REFUNDED',
    );
    assert.equal(
      (await client.refund({ paymentId: 'pay-2', orderId: 'o-2' })).status,
      'PAYMENT_STATUS_REFUNDED',
    );
    const rows = await readLedger(service.adminUrl, 'o-2');
    assert.deepEqual(
      rows.map((row) => `${row.kind}:${row.amountMinor}`),
      ['CHARGE:500', 'REFUND:500'],
    );
    assert.equal(netCharges(rows).get('o-2')?.net, 0);
  });

  it('a refund of a payment id not charged yet leaves a VOIDED tombstone: a late charge is refused and takes nothing', async () => {
    const voided = await client.refund({ paymentId: 'pay-late', orderId: 'o-late' });
    assert.equal(voided.status, 'PAYMENT_STATUS_VOIDED');
    assert.equal(
      (await client.refund({ paymentId: 'pay-late', orderId: 'o-late' })).status,
      'PAYMENT_STATUS_VOIDED',
    );
    const approvedBefore = await processed('approved');
    const late = await rpcFailure(
      client.charge({ paymentId: 'pay-late', orderId: 'o-late', amount: eur(800) }),
    );
    assert.equal(late.code, status.FAILED_PRECONDITION);
    assert.match(late.details, /pay-late was voided .* a late charge takes no money/);
    assert.equal(await processed('approved'), approvedBefore, 'the processor was never asked');
    assert.equal(
      await metricValue(service.adminUrl, 'rebound_payments_late_charges_total{outcome="refused"'),
      1,
    );
    const rows = await readLedger(service.adminUrl, 'o-late');
    assert.deepEqual(
      rows.map((row) => row.kind),
      ['VOID'],
    );
    assert.equal(netCharges(rows).get('o-late')?.net, 0);
  });

  it('a refund while the charge is still at the processor voids it: the charge lands nothing and is reversed', async () => {
    await adminRequest(service.adminUrl, 'POST', '/admin/processor', { latencyMs: 1_500 });
    try {
      const charging = rpcFailure(
        client.charge({ paymentId: 'pay-inflight', orderId: 'o-inflight', amount: eur(1_200) }),
      );
      await waitFor(
        async () => {
          const { json } = await adminRequest(service.adminUrl, 'GET', '/admin/ledger?orderId=o-inflight');
          return (json.inFlight as Array<{ id: string }>).some((payment) => payment.id === 'pay-inflight');
        },
        { timeoutMs: 10_000, description: 'the charge claimed its payment id' },
      );
      assert.equal(
        (await client.refund({ paymentId: 'pay-inflight', orderId: 'o-inflight' })).status,
        'PAYMENT_STATUS_VOIDED',
      );
      const late = await charging;
      assert.equal(late.code, status.FAILED_PRECONDITION);
      assert.match(late.details, /voided/);
    } finally {
      await adminRequest(service.adminUrl, 'DELETE', '/admin/processor');
    }
    assert.equal(netCharges(await readLedger(service.adminUrl, 'o-inflight')).get('o-inflight')?.net, 0);
    assert.ok(
      ((await metricValue(service.adminUrl, 'rebound_payments_processor_calls_total{operation="reverse"')) ??
        0) >= 1,
      'the approval that came too late was reversed',
    );
  });

  it('serves the ledger to the admin token only, and answers 400 naming the field for a bad query', async () => {
    assert.equal((await adminRequest(service.adminUrl, 'GET', '/admin/ledger', undefined, null)).status, 401);
    const bad = await adminRequest(service.adminUrl, 'GET', '/admin/ledger?limit=lots');
    assert.equal(bad.status, 400);
    assert.match(String(bad.json.error), /limit/);
    const page = await adminRequest(service.adminUrl, 'GET', '/admin/ledger?limit=1');
    assert.equal(page.status, 200);
    assert.equal((page.json.entries as unknown[]).length, 1);
    assert.equal(page.json.nextAfterId, (page.json.entries as Array<{ id: number }>)[0]?.id);
  });

  it('declines for good above the card limit, and says so again on a repeat', async () => {
    const request = { paymentId: 'pay-big', orderId: 'o-3', amount: eur(1_000_000) };
    const first = await rpcFailure(client.charge(request));
    assert.equal(first.code, status.FAILED_PRECONDITION);
    assert.match(first.details, /declined/);
    assert.equal((await rpcFailure(client.charge(request))).code, status.FAILED_PRECONDITION);
  });

  it('answers INVALID_ARGUMENT naming the field for bad input', async () => {
    const noAmount = await rpcFailure(
      client.charge({ paymentId: 'pay-x', orderId: 'o-x', amount: undefined }),
    );
    assert.equal(noAmount.code, status.INVALID_ARGUMENT);
    assert.match(noAmount.details, /amount/);
    const badCurrency = await rpcFailure(
      client.charge({ paymentId: 'pay-x', orderId: 'o-x', amount: { amountMinor: 1, currency: 'euro' } }),
    );
    assert.match(badCurrency.details, /amount\.currency: expected an ISO 4217 code/);
    const negative = await rpcFailure(client.charge({ paymentId: 'pay-x', orderId: 'o-x', amount: eur(-5) }));
    assert.match(negative.details, /amount\.amountMinor: must be positive/);
  });

  it('the processor fails at run time (UNAVAILABLE, nothing recorded) and a retry after recovery charges', async () => {
    assert.equal(
      (await adminRequest(service.adminUrl, 'POST', '/admin/processor', { failureRate: 1 }, null)).status,
      401,
    );
    const on = await adminRequest(service.adminUrl, 'POST', '/admin/processor', { failureRate: 1 });
    assert.equal(on.status, 200);
    assert.equal(
      await metricValue(service.adminUrl, 'rebound_payments_processor_setting{setting="failure_rate"'),
      1,
    );
    const request = { paymentId: 'pay-flaky', orderId: 'o-4', amount: eur(700) };
    assert.equal((await rpcFailure(client.charge(request))).code, status.UNAVAILABLE);
    assert.ok(((await processed('failed')) ?? 0) >= 1);
    await adminRequest(service.adminUrl, 'DELETE', '/admin/processor');
    assert.equal((await client.charge(request)).status, 'PAYMENT_STATUS_CHARGED');
  });

  it('the processor is slow at run time: the caller deadline cuts the charge', async () => {
    await adminRequest(service.adminUrl, 'POST', '/admin/processor', { latencyMs: 5_000 });
    const slow = await rpcFailure(
      client.charge({ paymentId: 'pay-slow', orderId: 'o-5', amount: eur(100) }, { timeoutMs: 300 }),
    );
    assert.equal(slow.code, status.DEADLINE_EXCEEDED);
    await adminRequest(service.adminUrl, 'DELETE', '/admin/processor');
    assert.equal(
      (await client.charge({ paymentId: 'pay-slow', orderId: 'o-5', amount: eur(100) })).status,
      'PAYMENT_STATUS_CHARGED',
    );
  });

  it('injects service faults only while switched on through the authenticated admin endpoint', async () => {
    assert.equal(
      (await adminRequest(service.adminUrl, 'POST', '/admin/faults', { errorRate: 1 }, 'wrong-token')).status,
      401,
    );
    await adminRequest(service.adminUrl, 'POST', '/admin/faults', { errorRate: 1 });
    assert.equal(
      (await rpcFailure(client.refund({ paymentId: 'pay-1', orderId: 'o-1' }))).code,
      status.UNAVAILABLE,
    );
    await adminRequest(service.adminUrl, 'DELETE', '/admin/faults');
    assert.equal(
      (await client.refund({ paymentId: 'pay-1', orderId: 'o-1' })).status,
      'PAYMENT_STATUS_REFUNDED',
    );
  });
});
