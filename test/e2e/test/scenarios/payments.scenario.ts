import assert from 'node:assert/strict';
import { adminRequest, waitFor } from '@rebound/testing';
import {
  type OtlpReceiver,
  type Platform,
  percentile,
  placeOrder,
  sumMetric,
  sumMetricAcross,
} from '../../src/index.ts';
import { approvedCharges, inventoryClient, type Report } from './shop.scenario.ts';
import { failedCheckoutsTraced } from './tracing.scenario.ts';

const CHARGE = 'rebound.payments.v1.PaymentsService/Charge';
const PAYMENTS = ['payments-0', 'payments-1'] as const;
/** The gateway's deadline on PlaceOrder (`ORDERS_PLACE_DEADLINE_MS`, default). */
const PLACE_DEADLINE_MS = 8000;

interface Counts {
  /** Charge calls that reached a payments server (both replicas, every outcome). */
  readonly reached: number;
  /** Charge calls made by the orders client (every outcome, breaker rejections included). */
  readonly client: number;
  readonly opened: number;
  readonly rejected: number;
  readonly retries: number;
  readonly budgetExhausted: number;
}

/** Summed over both payments replicas (server side) and every orders replica (client side). */
async function counts(platform: Platform): Promise<Counts> {
  const orders = await platform.adminUrls('orders');
  return {
    reached: await sumMetricAcross(
      PAYMENTS.map((name) => platform.adminUrl(name)),
      'rebound_rpc_server_requests_total',
      { operation: CHARGE },
    ),
    client: await sumMetricAcross(orders, 'rebound_rpc_client_requests_total', { operation: CHARGE }),
    opened: await sumMetricAcross(orders, 'rebound_resilience_breaker_transitions_total', {
      target: CHARGE,
      to: 'open',
    }),
    rejected: await sumMetricAcross(orders, 'rebound_resilience_breaker_rejections_total', {
      target: CHARGE,
    }),
    retries: await sumMetricAcross(orders, 'rebound_resilience_retries_total', { target: CHARGE }),
    budgetExhausted: await sumMetricAcross(orders, 'rebound_resilience_budget_exhausted_total'),
  };
}

export async function paymentsFailing(
  platform: Platform,
  report: Report,
  receiver?: OtlpReceiver,
): Promise<void> {
  const url = platform.gatewayUrl;
  const inventory = inventoryClient(platform);
  try {
    const stockBefore = await inventory.getStock({ productId: 'p-005' });
    const charged = await approvedCharges(platform);
    const before = await counts(platform);
    for (const name of PAYMENTS) {
      const set = await adminRequest(platform.adminUrl(name), 'POST', '/admin/processor', { failureRate: 1 });
      assert.equal(set.status, 200, JSON.stringify(set.json));
    }
    let after: Counts;
    const times: number[] = [];
    const traceIds: string[] = [];
    try {
      // Six checkouts at once while payments fails for good: each saga retries its charge until the step deadline.
      const placed = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          placeOrder(url, [{ productId: 'p-005', quantity: 1 }], `e2e-pay-down-${i}`),
        ),
      );
      for (const response of placed) {
        assert.equal(response.status, 201, JSON.stringify(response.json));
        assert.equal(response.order?.status, 'CANCELLED');
        assert.equal(response.order?.cancellation?.reason, 'DEPENDENCY_UNAVAILABLE');
        times.push(response.ms);
        traceIds.push(response.headers.get('x-trace-id') ?? '');
      }
      after = await counts(platform);
    } finally {
      for (const name of PAYMENTS) await adminRequest(platform.adminUrl(name), 'DELETE', '/admin/processor');
    }
    const reached = after.reached - before.reached;
    const client = after.client - before.client;
    const amplification = reached / client;
    assert.equal(await approvedCharges(platform), charged, 'nothing charged');
    const stock = await waitFor(
      async () => {
        const now = await inventory.getStock({ productId: 'p-005' });
        return now.available === stockBefore.available && now.reserved === stockBefore.reserved
          ? now
          : undefined;
      },
      { timeoutMs: 10_000, description: 'every reservation of the cancelled orders released' },
    );
    report(
      `payments failing 100%: 6/6 checkouts CANCELLED (DEPENDENCY_UNAVAILABLE), checkout p50 ` +
        `${percentile(times, 50).toFixed(0)} ms max ${Math.max(...times).toFixed(0)} ms (gateway deadline ${PLACE_DEADLINE_MS} ms); ` +
        `breaker opened ${after.opened - before.opened}x, ${after.rejected - before.rejected} calls failed fast by it; ` +
        `calls reaching payments / client calls = ${reached}/${client} = ${amplification.toFixed(2)} ` +
        `(${after.retries - before.retries} retries, retry budget exhausted ${after.budgetExhausted - before.budgetExhausted}x; ` +
        `per call let through by the breaker: ${reached}/${client - (after.rejected - before.rejected)}); ` +
        `stock back to ${stock.available} available, ${stock.reserved} reserved; 0 charged`,
    );
    assert.ok(after.opened > before.opened, 'the breaker opened');
    assert.ok(
      after.rejected > before.rejected,
      'calls failed fast on the open breaker without reaching payments',
    );
    assert.ok(amplification <= 1.1, `retry amplification ${amplification} above the 1.1 bar`);
    assert.ok(Math.max(...times) < PLACE_DEADLINE_MS, 'no checkout ran into the gateway deadline');
    if (receiver) await failedCheckoutsTraced(receiver, traceIds, report);

    // Recovery: each orders replica's breaker lets a probe through, it succeeds, it closes, checkouts are
    // confirmed again. The front and the gateway spread checkouts over both replicas, so keep placing orders
    // until every breaker is closed.
    let attempt = 0;
    let confirmedCount = 0;
    const orders = await platform.adminUrls('orders');
    const confirmed = await waitFor(
      async () => {
        const response = await placeOrder(
          url,
          [{ productId: 'p-005', quantity: 1 }],
          `e2e-pay-back-${attempt++}`,
        );
        if (response.order?.status === 'CONFIRMED') confirmedCount++;
        const open = await Promise.all(
          orders.map((admin) => sumMetric(admin, 'rebound_resilience_breaker_state', { target: CHARGE })),
        );
        return confirmedCount > 0 && open.every((state) => state === 0) ? response : undefined;
      },
      { timeoutMs: 40_000, intervalMs: 200, description: 'confirmed checkouts and every breaker closed' },
    );
    report(
      `payments recovered: ${confirmedCount} checkout(s) CONFIRMED in ${attempt} attempt(s), the breaker of ` +
        `each of ${orders.length} orders replicas closed (state 0)`,
    );
    assert.equal(
      await approvedCharges(platform),
      charged + confirmedCount,
      'exactly one charge per confirmed order',
    );
    assert.ok(confirmed.order);
  } finally {
    inventory.$rpc.close();
  }
}
