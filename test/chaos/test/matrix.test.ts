// The crash/freeze matrix: concurrent checkouts held at each saga step boundary while a process is killed,
// frozen past its caller's deadline, or loses its database, then the books audited from durable records. CI runs
// one cell per class of failure (MATRIX_CELLS unset); `pnpm --filter @rebound/chaos-tests run matrix` runs all.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import { assertBooksBalance, audit, countCancelled } from './matrix/books.ts';
import {
  BOUNDARIES,
  type Boundary,
  describe as describeBooks,
  FAULTS,
  type Fault,
  runCell,
  setProcessor,
} from './matrix/cells.ts';
import { type MatrixPlatform, startMatrixPlatform } from './matrix/matrix-platform.ts';
import { settle, shop } from './matrix/shoppers.ts';

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

const cells =
  process.env.MATRIX_CELLS === 'all'
    ? BOUNDARIES.flatMap((boundary) => FAULTS.map((fault) => [boundary, fault] as const))
    : CI_CELLS;

describe('the crash/freeze matrix: money, stock and notifications exact under every failure a process can have', () => {
  let platform: MatrixPlatform;

  before(async () => {
    platform = await startMatrixPlatform();
  });

  after(async () => {
    await platform?.close();
  });

  it('regression: a charge queued on a frozen payments replica lands after its order was compensated, and takes nothing', async () => {
    const [frozen, failing] = platform.replicas.payments;
    assert.ok(frozen && failing);
    /** Charges the frozen replica answered FAILED_PRECONDITION (refused on a tombstone), from its /metrics. */
    const refusedLate = async () => {
      const text = await (await fetch(`${frozen.adminUrl}/metrics`)).text();
      return text
        .split('\n')
        .filter(
          (line) =>
            line.startsWith('rebound_rpc_server_requests_total{') &&
            line.includes('PaymentsService/Charge') &&
            line.includes('outcome="FAILED_PRECONDITION"'),
        )
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    };
    // The other replica's processor is down, so no charge lands anywhere: each saga stays unknown past the pause
    // bound and compensates (Refund reaches the live replica), while charges wait in the frozen one's socket.
    await setProcessor(failing, { failureRate: 1 });
    frozen.freeze();
    const shopping = shop(platform, 'late-charge', 8);
    try {
      await waitFor(async () => (await countCancelled(platform, 'late-charge-')) >= 4, {
        timeoutMs: 60_000,
        intervalMs: 500,
        description: 'orders compensated while a replica is frozen',
      });
    } finally {
      frozen.thaw();
      await setProcessor(failing, null);
    }
    await settle(platform, shopping);
    const books = await audit(platform, shopping.acknowledged);
    process.stdout.write(`matrix cell [frozen payments replica, late charge] ${describeBooks(books)}\n`);
    assertBooksBalance(books, 'late charge');
    assert.ok(books.cell.cancelled >= 4, 'orders were compensated while their charge was queued');
    assert.ok(
      (await refusedLate()) >= 1,
      'the frozen replica served a queued charge after its thaw and refused it (tombstone)',
    );
  });

  for (const [boundary, fault] of cells) {
    it(`${boundary} x ${fault}`, async () => {
      await runCell(platform, boundary, fault);
    });
  }
});
