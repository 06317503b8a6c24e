import { setTimeout as elapse } from 'node:timers/promises';
import { waitFor } from '@rebound/testing';
import { assertBooksBalance, audit, type Books } from './books.ts';
import { CALL_TIMEOUT_MS, type MatrixPlatform, PAUSE_BOUND_MS, type Replica } from './matrix-platform.ts';
import { DECLINED_PRICE_MINOR, settle, shop } from './shoppers.ts';

/** Where the saga is held when the fault lands (orders' `/admin/saga-hold` boundaries). */
export const BOUNDARIES = ['reserve', 'charge', 'confirm', 'release'] as const;
export type Boundary = (typeof BOUNDARIES)[number];

export const FAULTS = [
  'kill-orders',
  'kill-participant',
  'freeze-participant',
  'db-down-short',
  'db-down-long',
] as const;
export type Fault = (typeof FAULTS)[number];

/** How long a short database outage lasts, and by how much a long one outlasts the pause bound. */
const SHORT_OUTAGE_MS = 5_000;
const PAST_THE_BOUND_MS = 3_000;
/** A frozen participant stays frozen this long past the caller's per-attempt deadline. */
const FREEZE_PAST_DEADLINE_MS = 3_000;

/**
 * The participant the saga calls next at each boundary (killed or frozen), and the database it writes next.
 * At `confirm` the next write is orders' own, and the next process the outcome reaches is notifications.
 */
const PARTICIPANT = {
  reserve: 'inventory',
  charge: 'payments',
  confirm: 'notifications',
  release: 'inventory',
} as const;
const DATABASE = {
  reserve: 'inventory',
  charge: 'payments',
  confirm: 'orders',
  release: 'inventory',
} as const;

/** Orders per cell, from 4 concurrent shoppers. */
const ORDERS_PER_CELL = 8;

export interface CellResult {
  readonly name: string;
  readonly books: Books;
}

/** Applies `fault` while sagas wait at the hold, lets them go on into it, and ends the fault. */
async function inject(platform: MatrixPlatform, boundary: Boundary, fault: Fault): Promise<void> {
  const participant = platform.replicas[PARTICIPANT[boundary]][0] as Replica;
  const database = platform.databases[DATABASE[boundary]];
  switch (fault) {
    case 'kill-orders': {
      const orders = platform.replicas.orders[0] as Replica;
      await orders.kill();
      await platform.hold(null);
      await orders.start();
      return;
    }
    case 'kill-participant':
      await participant.kill();
      await platform.hold(null);
      await participant.start();
      return;
    case 'freeze-participant':
      participant.freeze();
      try {
        await platform.hold(null);
        await elapse(CALL_TIMEOUT_MS + FREEZE_PAST_DEADLINE_MS); // the freeze itself: past the caller's deadline
      } finally {
        participant.thaw();
      }
      return;
    case 'db-down-short':
    case 'db-down-long':
      await database.halt();
      try {
        await platform.hold(null);
        await elapse(fault === 'db-down-short' ? SHORT_OUTAGE_MS : PAUSE_BOUND_MS + PAST_THE_BOUND_MS);
      } finally {
        await database.start();
      }
      return;
  }
}

/**
 * One cell of the crash/freeze matrix: concurrent checkouts held at `boundary`, `fault` injected there, every
 * checkout settled, then the books of the whole run audited from durable records. Orders of a `release` cell are
 * declined (over the card limit), so that the fault lands mid-compensation.
 */
export async function runCell(
  platform: MatrixPlatform,
  boundary: Boundary,
  fault: Fault,
): Promise<CellResult> {
  const name = `${boundary} x ${fault}`;
  await platform.hold(boundary);
  const shopping = shop(platform, `${boundary}-${fault}`, ORDERS_PER_CELL, {
    ...(boundary === 'release' && { priceMinor: DECLINED_PRICE_MINOR }),
  });
  try {
    const crashed = platform.crashed();
    if (crashed.length > 0)
      throw new Error(`${name}: a process had crashed before it:\n${crashed.join('\n')}`);
    await waitFor(async () => (await platform.held()) >= 4, {
      timeoutMs: 60_000,
      description: `${name}: sagas held at ${boundary}`,
    });
    await inject(platform, boundary, fault);
  } finally {
    await platform.hold(null).catch(() => undefined);
  }
  await settle(platform, shopping);
  const books = await audit(platform, shopping.acknowledged);
  const crashed = platform.crashed();
  if (crashed.length > 0) throw new Error(`${name}: a process crashed on its own:\n${crashed.join('\n')}`);
  process.stdout.write(`matrix cell [${name}] ${describe(books)}\n`);
  assertBooksBalance(books, name);
  return { name, books };
}

export function describe(books: Books): string {
  const reasons = Object.entries(books.reasons)
    .map(([reason, n]) => `${reason}:${n}`)
    .join(',');
  return (
    `placed=${books.cell.placed} confirmed=${books.cell.confirmed} cancelled=${books.cell.cancelled}` +
    `${reasons ? ` (${reasons})` : ''} | whole run: orders=${books.orders} lost=${books.lost} stuck=0 ` +
    `cancelled-with-money=${books.cancelledWithMoney} confirmed-not-charged-once=${books.confirmedNotChargedOnce} ` +
    `stock-mismatches=${books.stockMismatches} notification-mismatches=${books.notificationMismatches}`
  );
}
