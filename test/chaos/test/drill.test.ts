// The restore drill of the whole platform (issue 15): shoppers check out through the gateway while a base backup
// is taken (WAL archived continuously); then both PostgreSQL copies are destroyed through the supervisor (every
// process SIGKILLed, both data directories deleted, nothing restarted on old data), the latest point is restored
// into fresh data directories while the services keep running, and the books are audited from durable records.
// RTO: from the destruction to the first checkout acknowledged again end to end. RPO: acknowledged orders lost,
// as a count and as the time from the last acknowledgement the restore kept to the last one before the loss.
// Bars: RTO <= 60 s, RPO <= 5 s. Retention on the way: an older base backup is pruned (keep 1) with the WAL only
// it needed, so the restore runs from the kept backup and the pruned archive.
// `pnpm dr:drill` runs this file against the platform `npm start` runs when there is one (REBOUND_DRILL_DATA_DIR,
// default .data), else against one of its own, and records the outcome in <data dir>/backups/drill.json: the
// supervisor exports it as the last verified restore (REBOUND_DRILL_RECORD=1, never in CI runs of the suite).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  archiveFilesBefore,
  backupCluster,
  type DrillOutcome,
  pruneBackups,
  recordDrill,
  segmentPosition,
  serverUser,
} from '@rebound/postgres-dev';
import { readStock, waitFor } from '@rebound/testing';
import { auditBooks, recoveryPoint, settledOrders } from './drill/books.audit.ts';
import { DRILL_PRODUCTS, firstAcknowledged, type Shoppers, startShoppers } from './drill/drill.shoppers.ts';
import { type DrillTarget, ownPlatform, runningPlatform } from './drill/drill.target.ts';

const RTO_BAR_MS = 60_000;
const RPO_BAR_MS = 5_000;
const RECORD = process.env.REBOUND_DRILL_RECORD === '1';
const DATA_DIR = resolve(process.env.REBOUND_DRILL_DATA_DIR ?? join(import.meta.dirname, '../../../.data'));

async function target(): Promise<DrillTarget> {
  if (RECORD && existsSync(join(DATA_DIR, 'local', 'supervisor.json'))) return runningPlatform(DATA_DIR);
  return ownPlatform();
}

describe('drill: destroy both PostgreSQL copies under checkout load, restore, and audit the books', () => {
  let platform: DrillTarget | undefined;
  let shoppers: Shoppers | undefined;

  after(async () => {
    await shoppers?.stop();
    if (platform?.owned) await platform.close();
  });

  /** Records the outcome where the supervisor reads it, when asked to (`pnpm dr:drill`). */
  async function record(outcome: Omit<DrillOutcome, 'finishedAt'>): Promise<void> {
    if (!RECORD || !platform) return;
    // A platform of its own goes with its temp dir: its outcome is kept where `npm start` on DATA_DIR reads it.
    const dir = join(platform.owned ? DATA_DIR : platform.dataDir, 'backups');
    await recordDrill(dir, { finishedAt: new Date().toISOString(), ...outcome });
    process.stdout.write(`drill outcome recorded in ${dir}/drill.json (passed: ${outcome.passed})\n`);
  }

  it('brings back every order acknowledged up to a few seconds before the loss, within a minute, books balanced', async () => {
    try {
      await drill();
    } catch (error) {
      await record({ passed: false, reason: (error as Error).message.split('\n')[0] as string });
      if (platform?.owned) {
        // The supervisor's own lines and PostgreSQL's: the services' 503s would drown them.
        const lines = platform
          .output()
          .split('\n')
          .filter((line) => /^(local|postgres-\d)\s/.test(line));
        (error as Error).message +=
          `\n--- supervisor and postgres (tail) ---\n${lines.slice(-150).join('\n')}`;
      }
      throw error;
    }
  });

  const say = (line: string) => process.stdout.write(`drill: ${line}\n`);

  async function drill(): Promise<void> {
    const began = performance.now();
    platform = await target();
    say(
      `${platform.owned ? 'started a platform' : 'on the running platform'} in ${platform.dataDir} (${Math.round(performance.now() - began)} ms)`,
    );
    const { dataDir, gatewayUrl } = platform;
    const clusterDir = join(dataDir, 'postgres');
    const backupDir = join(dataDir, 'backups');
    const stockBefore = await readStock(platform.adminUrl('inventory-0'));
    const initialStock = new Map(
      DRILL_PRODUCTS.map((p) => [p, stockBefore.get(p) ?? { available: 0, reserved: 0 }]),
    );
    const run = `drill-${Date.now().toString(36)}`;
    shoppers = startShoppers(gatewayUrl, run);
    const acked = (n: number, description: string) =>
      waitFor(() => (shoppers?.acknowledged.length ?? 0) >= n, {
        timeoutMs: 60_000,
        intervalMs: 100,
        description,
      });

    await acked(20, '20 checkouts acknowledged');
    const older = await backupCluster({ clusterDir, backupDir, user: serverUser() });
    await acked(shoppers.acknowledged.length + 10, '10 checkouts between the two backups');
    const backup = await backupCluster({ clusterDir, backupDir, user: serverUser() });
    say(
      `base backup ${backup.id} taken under load (${shoppers.acknowledged.length} checkouts acknowledged so far)`,
    );
    // Keep 1 in CI (the older backup and the WAL only it needed go); on a running platform keep what it keeps.
    const pruned = await pruneBackups({ backupDir, keep: platform.owned ? 1 : 6 });
    if (platform.owned) {
      assert.deepEqual(
        pruned.removed.map((b) => b.id),
        [older.id],
      );
      assert.ok(pruned.walFilesRemoved > 0, 'the WAL only the older backup needed is gone');
      assert.deepEqual(
        archiveFilesBefore(await readdir(join(backupDir, 'wal')), segmentPosition(backup.startLsn)),
        [],
      );
    }
    // Checkouts go on after the backup: the restore must replay them from the archive.
    const atBackup = shoppers.acknowledged.length;
    await acked(atBackup + 30, '30 checkouts after the backup');
    // Those 30 can all fall inside the archive's last few seconds (archive_timeout), which a loss takes with it
    // (the RPO): wait until two more WAL segments are archived, so the second, switched after them, holds them and
    // the restore must replay them from the archive.
    const segments = async () =>
      (await readdir(join(backupDir, 'wal'))).filter((file) => /^[0-9A-F]{24}(\.gz)?$/.test(file));
    const archivedBefore = new Set(await segments());
    await waitFor(async () => (await segments()).filter((file) => !archivedBefore.has(file)).length >= 2, {
      timeoutMs: 30_000,
      description: 'two WAL segments archived after the checkouts that followed the backup',
    });
    // …and the loss does not fall right after an archived segment (the best case for the RPO): more checkouts.
    await acked(shoppers.acknowledged.length + 10, '10 more checkouts before the loss');

    const destroyedAt = Date.now();
    const destroyed = await platform.control('/postgres/destroy');
    assert.equal(destroyed.status, 200, `POST /postgres/destroy: ${JSON.stringify(destroyed.json)}`);
    // The shoppers stop; those in flight settle (acknowledged or not) while the restore runs.
    const stopped = shoppers.stop();
    say(`both copies destroyed: ${JSON.stringify(destroyed.json)}`);
    const restore = await platform.control('/postgres/restore', { to: 'latest' });
    assert.equal(restore.status, 200, `POST /postgres/restore: ${JSON.stringify(restore.json)}`);
    say(
      `restore started ${Date.now() - destroyedAt} ms after the destruction: ${JSON.stringify(restore.json)}`,
    );
    const first = await firstAcknowledged(gatewayUrl, `${run}-after`, RTO_BAR_MS * 2);
    const rtoMs = first.ackAt - destroyedAt;
    say(`first checkout acknowledged again ${rtoMs} ms after the destruction (order ${first.orderId})`);
    await stopped;
    const before = shoppers.acknowledged.filter((a) => a.sentAt < destroyedAt);

    const ordersUrl = await platform.databaseUrl('orders');
    const orders = await settledOrders(ordersUrl, 90_000);
    const stored = new Set(orders.map((o) => o.id));
    const point = recoveryPoint(before, stored);
    const afterwards = shoppers.acknowledged.filter((a) => a.sentAt >= destroyedAt).concat(first);
    const books = await auditBooks({
      orders,
      paymentsAdminUrl: platform.adminUrl('payments-0'),
      inventoryAdminUrl: platform.adminUrl('inventory-0'),
      notificationsAdminUrl: platform.adminUrl('notifications-0'),
      initialStock,
      timeoutMs: 60_000,
    });
    const archived = (await readdir(join(backupDir, 'wal'))).length;
    // The supervisor's line once the restored primary took writes (only seen when the drill started the platform).
    const replay = /published again \(([^)]*)\)/.exec(platform.output())?.[1]?.replace(/ /g, ':') ?? 'unseen';
    process.stdout.write(
      `drill summary backup=${backup.id} acknowledged=${before.length} afterBackup=${before.length - atBackup} ` +
        `restored=${point.restored} lost=${point.lost.length} rtoMs=${rtoMs} rpoMs=${point.rpoMs} ` +
        `orders=${orders.length} confirmed=${books.confirmed} cancelled=${books.cancelled} ` +
        `outboxReplayed=${replay} notifiedTwice=${books.notifiedTwice} notAcknowledged=${shoppers.failed()} archivedFiles=${archived}\n`,
    );
    assert.deepEqual(point.holes, [], 'every order acknowledged before the recovery point is there');
    assert.deepEqual(
      afterwards.filter((a) => !stored.has(a.orderId)),
      [],
      'every order taken after the restore is there',
    );
    assert.ok(
      point.restored > atBackup,
      'orders acknowledged after the base backup came back from the WAL archive',
    );
    assert.deepEqual(
      books.problems,
      [],
      'the books balance (ledger = confirmed orders, stock conserved, notifications)',
    );
    assert.ok(rtoMs <= RTO_BAR_MS, `RTO ${rtoMs} ms (bar ${RTO_BAR_MS})`);
    assert.ok(
      point.rpoMs <= RPO_BAR_MS,
      `RPO ${point.rpoMs} ms, ${point.lost.length} acknowledged orders (bar ${RPO_BAR_MS} ms)`,
    );
    await record({ passed: true, rtoMs, rpoMs: point.rpoMs });
  }
});
