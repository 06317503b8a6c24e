// Degradation flags outlive a replica and agree across replicas, on the real supervisor (`up --only gateway`:
// two real gateway replicas behind the front, nothing else started). A flag switched at one replica's admin
// port reaches the other through the shared store (`.data/degradation/gateway`), a SIGKILLed replica restarted
// by the supervisor serves with the flag on from its start, a frozen replica catches up once it runs again,
// and clearing the flag at one replica clears it at both.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import type { StatusRow } from '../src/index.ts';
import { type GatewayPair, startGatewayPair } from './support/gateway-pair.harness.ts';

const TOKEN = 'degradation-test-token';
const FLAG = 'serve-cached-catalog';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

describe('degradation flags across replica restarts (real supervisor, real gateways)', {
  timeout: 150_000,
}, () => {
  let pair: GatewayPair;

  const status = () => pair.status();
  const gateway = async (name: string): Promise<StatusRow> => {
    const row = (await status()).rows.find((r) => r.name === name);
    assert.ok(row, `${name} in /status`);
    return row;
  };
  const flagAt = async (row: StatusRow) => {
    const response = await fetch(`http://127.0.0.1:${row.adminPort}/admin/degradation`, { headers: auth });
    const body = (await response.json()) as { flags: Record<string, { on: boolean; reason: string }> };
    return body.flags[FLAG]!;
  };
  const gauge = async (row: StatusRow) => {
    const text = await (await fetch(`http://127.0.0.1:${row.adminPort}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`rebound_degradation_flag{flag="${FLAG}"`));
    return Number(line?.slice(line.lastIndexOf(' ') + 1));
  };
  /** What the replica itself answers a product read with (no catalog runs: only the flag tells them apart). */
  const productsAt = async (row: StatusRow) => {
    const response = await fetch(`http://127.0.0.1:${row.port}/api/products`, {
      headers: { 'x-api-key': 'key-a' },
    });
    return { status: response.status, body: await response.text() };
  };
  const switchAt = async (row: StatusRow, method: 'POST' | 'DELETE', body?: unknown) => {
    const response = await fetch(`http://127.0.0.1:${row.adminPort}/admin/degradation`, {
      method,
      headers: auth,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    assert.equal(response.status, 200, await response.text());
  };
  const bothReady = () => pair.bothReady();

  before(async () => {
    pair = await startGatewayPair(TOKEN);
  });

  after(async () => {
    await pair?.stop();
  });

  it('a flag switched at one replica is on at both; a SIGKILLed replica comes back with it on', async () => {
    const [g0, g1] = [await gateway('gateway-0'), await gateway('gateway-1')];
    const before = await productsAt(g0);
    assert.doesNotMatch(before.body, /catalog_degraded/, 'flag off: the gateway tries catalog');
    await switchAt(g1, 'POST', { flag: FLAG, on: true, reason: 'test: catalog down' });
    assert.equal((await flagAt(g1)).on, true);
    await waitFor(async () => (await flagAt(g0)).on, {
      description: 'gateway-0 to take the flag from the store',
    });
    assert.equal((await flagAt(g0)).reason, 'test: catalog down');

    const pid = g0.pid;
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    await waitFor(
      async () => {
        const row = await gateway('gateway-0');
        return row.pid !== pid && row.ready && row.restarts >= 1 ? row : undefined;
      },
      { description: 'gateway-0 restarted by the supervisor and ready', timeoutMs: 60_000, intervalMs: 100 },
    );
    const restarted = await gateway('gateway-0');
    assert.equal((await flagAt(restarted)).on, true);
    assert.equal(await gauge(restarted), 1);
    const answer = await productsAt(restarted);
    assert.equal(answer.status, 503);
    assert.match(answer.body, /catalog_degraded/, 'the restarted replica serves on the flag, not catalog');
    // It had the flag before it was ready: read from the store when declared, not caught up by a poll.
    assert.match(pair.output(), /gateway-0.*degradation flag serve-cached-catalog ON at start, as kept in /);
  });

  it('a replica frozen while the flag is cleared elsewhere catches up when it runs again; both end off', async () => {
    const g1 = await gateway('gateway-1');
    assert.ok(g1.pid);
    process.kill(g1.pid, 'SIGSTOP');
    try {
      await waitFor(async () => !(await gateway('gateway-1')).ready, {
        description: 'the supervisor to see gateway-1 frozen (readiness failing)',
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      await switchAt(await gateway('gateway-0'), 'DELETE');
    } finally {
      process.kill(g1.pid, 'SIGCONT');
    }
    const rows = await bothReady();
    for (const row of rows) {
      await waitFor(async () => !(await flagAt(row)).on, { description: `${row.name} off` });
      assert.equal(await gauge(row), 0);
      assert.doesNotMatch((await productsAt(row)).body, /catalog_degraded/);
    }
  });
});
