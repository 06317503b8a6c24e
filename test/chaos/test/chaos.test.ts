import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { metricValue, waitFor } from '@rebound/testing';
import { account, baseline, placeOrders, report, settleKeys } from './accounting.ts';
import { type Platform, setProcessor, startPlatform } from './platform.ts';

const resumed = async (platform: Platform) =>
  (await metricValue(platform.orders.adminUrl, 'rebound_orders_sagas_resumed_total')) ?? 0;

describe('chaos: orders, inventory, payments, notifications and the dev broker (PGlite), exact accounting', () => {
  let dir: string;
  let platform: Platform;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebound-chaos-'));
    platform = await startPlatform(dir);
  });

  after(async () => {
    await platform?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('kill -9 orders mid-saga, three times under load: every saga resumes from its checkpoint', async () => {
    const before = await baseline(platform);
    // Slow charges keep sagas in flight when a kill lands.
    await setProcessor(platform.payments, { latencyMs: 200 });
    const load = placeOrders(platform, 'kill-orders', 45, 4);
    let resumedTotal = 0;
    for (let kill = 1; kill <= 3; kill++) {
      await waitFor(() => load.attempted() >= kill * 10, {
        timeoutMs: 60_000,
        description: `${kill * 10} orders submitted`,
      });
      resumedTotal += await resumed(platform);
      platform.orders.child.kill('SIGKILL');
      await platform.orders.exited;
      await platform.restartOrders();
    }
    await load.done;
    await setProcessor(platform.payments, { latencyMs: 0 });
    await settleKeys(platform, load);
    const summary = await account(platform, load, before, 'kill-orders');
    resumedTotal += await resumed(platform);
    assert.ok(resumedTotal > 0, 'at least one saga was cut mid-way and resumed from its checkpoint');
    report('kill -9 orders x3', summary, { resumed: String(resumedTotal) });
  });
});
