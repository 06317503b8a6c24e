// The crash/freeze matrix: concurrent checkouts held at each saga step boundary while a process is killed,
// frozen past its caller's deadline, or loses its database, then the books audited from durable records. CI runs
// one cell per class of failure (MATRIX_CELLS unset); `pnpm --filter @rebound/chaos-tests run matrix` runs all.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as elapse } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { paymentsV1 } from '@rebound/contracts';
import { createRpcClient } from '@rebound/rpc';
import { metricValue, netCharges, readLedger, rpcFailure, waitFor } from '@rebound/testing';
import { BOUNDARIES, type Boundary, FAULTS, type Fault, runCell } from './matrix/cells.ts';
import {
  CALL_TIMEOUT_MS,
  type MatrixPlatform,
  type Replica,
  startMatrixPlatform,
} from './matrix/matrix-platform.ts';

/** One cell per class each catches: a late request, a dead participant, a dead orchestrator, a short and a long outage, a crash mid-compensation, a dead consumer. */
const CI_CELLS: ReadonlyArray<readonly [Boundary, Fault]> = [
  ['charge', 'freeze-participant'],
  ['reserve', 'kill-participant'],
  ['charge', 'kill-orders'],
  ['charge', 'db-down-short'],
  ['reserve', 'db-down-long'],
  ['release', 'kill-orders'],
  ['confirm', 'kill-participant'],
];

/** `MATRIX_CELLS=all`, or a list such as `confirm:db-down-short,release:kill-orders`; unset: the CI cells. */
function selectCells(choice: string | undefined): ReadonlyArray<readonly [Boundary, Fault]> {
  const all = BOUNDARIES.flatMap((boundary) => FAULTS.map((fault) => [boundary, fault] as const));
  if (choice === undefined || choice === '') return CI_CELLS;
  if (choice === 'all') return all;
  return choice.split(',').map((name) => {
    const cell = all.find(([boundary, fault]) => `${boundary}:${fault}` === name.trim());
    if (!cell) throw new Error(`MATRIX_CELLS: no cell ${name} (cells are <boundary>:<fault>)`);
    return cell;
  });
}

const cells = selectCells(process.env.MATRIX_CELLS);

describe('the crash/freeze matrix: money, stock and notifications exact under every failure a process can have', () => {
  let platform: MatrixPlatform;

  before(async () => {
    platform = await startMatrixPlatform();
  });

  after(async () => {
    await platform?.close();
  });

  it('regression: a charge queued on a frozen payments replica, served after its refund on the other replica, takes nothing', async () => {
    const [frozen, live] = platform.replicas.payments;
    assert.ok(frozen && live);
    const client = (replica: Replica) =>
      createRpcClient(paymentsV1.PaymentsServiceService, {
        target: [replica.address],
        defaults: { breaker: false, retry: false, timeoutMs: CALL_TIMEOUT_MS },
      });
    const [toFrozen, toLive] = [client(frozen), client(live)];
    const payment = {
      paymentId: 'pay-late-charge',
      orderId: 'o-late-charge',
      amount: { amountMinor: 4_200, currency: 'EUR' },
    };
    try {
      // Connected first: a call to a replica frozen before its connection is up is never sent to it.
      await toFrozen.refund({ paymentId: 'pay-warm', orderId: 'o-warm' });
      frozen.freeze();
      try {
        // The saga's Charge reaches the frozen replica and waits in its socket; the caller's deadline passes.
        const charge = await rpcFailure(toFrozen.charge(payment));
        assert.equal(charge.code, status.DEADLINE_EXCEEDED);
        // Compensation on the live replica: the payment id is unknown there, so it is voided (a tombstone).
        const refund = await toLive.refund({ paymentId: payment.paymentId, orderId: payment.orderId });
        assert.equal(refund.status, 'PAYMENT_STATUS_VOIDED');
        // Frozen about 6 s in all, as in the report.
        await elapse(6_000 - CALL_TIMEOUT_MS);
      } finally {
        frozen.thaw();
      }
      // Thawed, the frozen replica serves the queued Charge: refused on the tombstone.
      await waitFor(
        async () =>
          ((await metricValue(frozen.adminUrl, 'rebound_payments_late_charges_total{outcome="refused"')) ??
            0) >= 1,
        { timeoutMs: 10_000, description: 'the queued charge served and refused' },
      );
      const rows = await readLedger(live.adminUrl, payment.orderId);
      assert.deepEqual(
        rows.map((row) => row.kind),
        ['VOID'],
      );
      assert.equal(netCharges(rows).get(payment.orderId)?.net, 0, 'no money taken for the compensated order');
    } finally {
      toFrozen.$rpc.close();
      toLive.$rpc.close();
    }
  });

  for (const [boundary, fault] of cells) {
    it(`${boundary} x ${fault}`, async () => {
      await runCell(platform, boundary, fault);
    });
  }
});
