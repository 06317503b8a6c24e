// Not in CI (about 1 min on a loaded box: `pnpm --filter @rebound/local test:gateway-rollout`). The gateway
// under the real supervisor (`up --only gateway`: two real gateway replicas behind the front, nothing else).
// Rollouts through the front: the front follows the entry's endpoints, so `pnpm rollout gateway` surges one
// replica at a time behind it under steady traffic, and a version that never gets ready is rolled back with no
// request through the front failing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import type { StatusRow } from '../src/index.ts';
import type { RolloutRecord } from '../src/rollout.store.ts';
import { type GatewayPair, startGatewayPair } from './support/gateway-pair.harness.ts';
import { steadyHttp } from './support/steady-http.ts';

const TOKEN = 'gateway-rollout-test-token';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

describe('rollouts of the gateway through its front (real supervisor, real gateways)', {
  timeout: 240_000,
}, () => {
  let pair: GatewayPair;
  let control = '';
  let frontUrl = '';

  const bothReady = () => pair.bothReady();

  before(async () => {
    pair = await startGatewayPair(TOKEN);
    ({ control, frontUrl } = pair);
  });

  after(async () => {
    await pair?.stop();
  });

  const rollout = async (body: unknown): Promise<RolloutRecord> => {
    const response = await fetch(`${control}/rollouts`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify(body),
    });
    const text = await response.text();
    assert.equal(response.status, 202, text);
    const { id } = JSON.parse(text) as RolloutRecord;
    return waitFor(
      async () => {
        const { history } = (await (await fetch(`${control}/rollouts`)).json()) as {
          history: RolloutRecord[];
        };
        return history.find((r) => r.id === id);
      },
      { description: `rollout #${id} to end`, timeoutMs: 90_000, intervalMs: 100 },
    );
  };
  const versionAt = async (row: StatusRow) => {
    const text = await (await fetch(`http://127.0.0.1:${row.adminPort}/metrics`)).text();
    return /rebound_build_info\{[^}]*\bversion="([^"]+)"/.exec(text)?.[1];
  };
  const servedAt = async (row: StatusRow) => {
    const text = await (await fetch(`http://127.0.0.1:${row.adminPort}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith('rebound_http_server_requests_total{') && l.includes('GET /console.js'))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  };
  const quick = { windowMs: 3000, intervalMs: 500, propagationMs: 1000, progressDeadlineMs: 30_000 };

  it('rolls the gateway out behind its front: the new replicas take the traffic, no request through the front fails', async () => {
    const pidsBefore = (await bothReady()).map((r) => r.pid);
    const traffic = steadyHttp(`${frontUrl}/console.js`, 50);
    let record: RolloutRecord;
    try {
      record = await rollout({ process: 'gateway', to: 'v2', settings: quick });
    } finally {
      await traffic.stop();
    }
    assert.equal(record.phase, 'Completed', JSON.stringify(record));
    assert.equal(record.replaced, 2);
    const rows = await bothReady();
    // The surge takes the lowest free index: gateway-2 replaces gateway-0, then gateway-0 (free again) gateway-1.
    assert.deepEqual(rows.map((r) => r.name).sort(), ['gateway-0', 'gateway-2']);
    assert.ok(
      rows.every((r) => !pidsBefore.includes(r.pid)),
      'every replica serving now was started by the rollout',
    );
    for (const row of rows) assert.equal(await versionAt(row), 'v2', row.name);
    const servedBefore = await Promise.all(rows.map(servedAt));
    for (const row of rows)
      assert.ok((servedBefore[rows.indexOf(row)] ?? 0) > 0, `${row.name} served during the rollout`);
    for (let i = 0; i < 6; i += 1) assert.equal((await fetch(`${frontUrl}/console.js`)).status, 200);
    const servedAfter = await Promise.all(rows.map(servedAt));
    assert.equal(
      servedAfter.reduce((a, b) => a + b, 0) - servedBefore.reduce((a, b) => a + b, 0),
      6,
      'every request through the front lands on a new replica',
    );
    process.stdout.write(`# gateway rollout | ok ${traffic.tally.ok} failed ${traffic.tally.failed}\n`);
    assert.equal(traffic.tally.failed, 0, JSON.stringify([...traffic.tally.failures]));
    assert.ok(traffic.tally.ok > 50, `traffic flowed (${traffic.tally.ok})`);
  });

  it('rolls back a gateway version that never gets ready; the front never sends it a request', async () => {
    const traffic = steadyHttp(`${frontUrl}/console.js`, 50);
    let record: RolloutRecord;
    try {
      record = await rollout({
        process: 'gateway',
        to: 'v3',
        behaviour: 'never-ready',
        settings: { ...quick, progressDeadlineMs: 3000 },
      });
    } finally {
      await traffic.stop();
    }
    assert.equal(record.phase, 'RolledBack', JSON.stringify(record));
    assert.match(record.reason ?? '', /not ready within 3000 ms/);
    assert.ok(
      !record.events.some((e) => /in the endpoints/.test(e.message)),
      'the candidate never entered the endpoints, so the front never sent it a request',
    );
    const rows = await bothReady();
    for (const row of rows) assert.equal(await versionAt(row), 'v2', row.name);
    process.stdout.write(`# gateway rollback | ok ${traffic.tally.ok} failed ${traffic.tally.failed}\n`);
    assert.equal(traffic.tally.failed, 0, JSON.stringify([...traffic.tally.failures]));
  });
});
