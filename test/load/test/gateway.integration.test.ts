import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LoadSummary } from '../src/load.stats.ts';
import { exitOf, StreamText } from './support/child.output.ts';
import { type GatewayWithFakes, startGatewayWithFakes } from './support/gateway.fakes.ts';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

describe('pnpm load against the built gateway (in-test catalog and orders)', () => {
  let shop: GatewayWithFakes;
  before(async () => {
    shop = await startGatewayWithFakes({
      API_KEYS: 'client-a:key-a,client-b:key-b,client-c:key-c,client-d:key-d',
      // 5 requests per second per key: the shoppers (two keys, 3/s each) fit, the abuser (30/s) does not.
      RATE_LIMIT_RPS: '5',
      RATE_LIMIT_BURST: '10',
      // Orders' answer that never comes is a 503 order_state_unknown after this long.
      ORDERS_PLACE_DEADLINE_MS: '400',
    });
  });
  after(() => shop?.stop());

  it("follows the gateway's checkout contract, and its edge refuses the misbehaving clients", async () => {
    const child = spawn(
      process.execPath,
      [
        CLI,
        ...['--url', shop.url, '--rate', '6', '--mix', 'checkout=0.5', '--api-keys', 'key-a,key-c'],
        ...['--abuser', '--abuser-rate', '30', '--abuser-key', 'key-b'],
        ...['--bad-bodies', '--bad-rate', '3', '--bad-key', 'key-d'],
        ...['--seed', '3', '--duration', '5', '--drain', '20', '--json'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const stdout = new StreamText(child.stdout);
    const stderr = new StreamText(child.stderr);
    assert.equal(await exitOf(child), 0, stderr.text);
    assert.match(
      stderr.text,
      /^\s+\d+s {2}rate 6\/s {2}offered\s+\d+ {2}ok\s+\d+ .* p50 [\d.]+ms {2}p99 [\d.]+ms/m,
    );

    const summary = JSON.parse(stdout.text) as LoadSummary;
    const context = JSON.stringify({ ...summary, byOperation: undefined }, null, 1);
    assert.equal(summary.unfinished, 0, context);
    // Every shopper's request was well formed and answered: no 4xx, no failure.
    assert.equal(summary.byStream.shoppers.rejected, 0, context);
    assert.equal(summary.byStream.shoppers.failed, 0, context);
    assert.ok(summary.byStream.shoppers.ok > 0, context);
    // 202 → polls of Location; 503 order_state_unknown → the same request again, found by its key.
    assert.ok(summary.checkout.accepted > 0 && summary.checkout.polls > 0, context);
    assert.ok(summary.checkout.resends > 0, context);
    assert.ok(summary.checkout.confirmed > 0, context);
    assert.equal(summary.checkout.gaveUpPending + summary.checkout.gaveUpUnknown, 0, context);
    assert.ok([...shop.orders.values()].every((order) => order.status === 'ORDER_STATUS_CONFIRMED'));
    // The abuser is throttled (then blocked); the bad bodies are refused by validation, never placed.
    const abuser = summary.byStream.abuser;
    assert.ok(abuser.throttled + abuser.blocked > 0, context);
    assert.ok(summary.byStream['bad-bodies'].rejected > 0, context);
    assert.equal(summary.byStream['bad-bodies'].ok, 0, context);
  });
});
