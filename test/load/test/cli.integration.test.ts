import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LoadSummary } from '../src/load.stats.ts';
import { exitOf, StreamText } from './support/child.output.ts';
import { type GatewayStub, startGatewayStub } from './support/gateway.stub.ts';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

/** The live line: the five counts and the two percentiles, every second. */
const LIVE_LINE =
  /^\s+\d+s {2}rate [\d.]+\/s {2}offered\s+\d+ {2}ok\s+\d+ {2}shed\s+\d+ {2}throttled\s+\d+ {2}failed\s+\d+ {2}p50 [\d.]+ms {2}p99 [\d.]+ms {2}inflight \d+/gm;

function runCli(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  return {
    child,
    stdout: new StreamText(child.stdout),
    stderr: new StreamText(child.stderr),
    exit: exitOf(child),
  };
}

describe('pnpm load against a real HTTP server on 127.0.0.1', () => {
  let stub: GatewayStub;
  before(async () => {
    // The gateway's throttle (20/s, burst 40), a 202 every 3rd order, a 503 order_state_unknown every 4th,
    // a shed product list every 10th.
    stub = await startGatewayStub({
      rateLimitRps: 20,
      rateLimitBurst: 40,
      pendingEvery: 3,
      unknownEvery: 4,
      shedEvery: 10,
    });
  });
  after(() => stub.stop());

  it('sends shoppers and misbehaving clients, prints a live line per second and a summary by outcome', async () => {
    const run = runCli([
      '--url',
      stub.url,
      '--rate',
      '30',
      '--mix',
      'checkout=0.4',
      '--api-keys',
      'key-a,key-c',
      '--abuser',
      '--abuser-rate',
      '60',
      '--bad-bodies',
      '--bad-rate',
      '5',
      '--bad-key',
      'key-c',
      '--seed',
      '42',
      '--duration',
      '4',
      '--drain',
      '20',
      '--control-port',
      '0',
      '--json',
    ]);
    const [, controlUrl] = await run.stderr.waitFor(/control (http:\/\/127\.0\.0\.1:\d+)/);

    // The control port and stdin change the run while it goes on.
    const changed = await fetch(`${controlUrl}/command`, { method: 'POST', body: 'rate 25' });
    assert.equal(changed.status, 200);
    assert.equal(((await changed.json()) as { settings: { rate: number } }).settings.rate, 25);
    const refused = await fetch(`${controlUrl}/command`, { method: 'POST', body: 'rate fast' });
    assert.equal(refused.status, 400);
    run.child.stdin.write('mix lookup=0.2\n');
    await run.stderr.waitFor(/mix browse=[\d.]+ product=[\d.]+ checkout=[\d.]+ lookup=0\.2/);
    const status = (await (await fetch(`${controlUrl}/status`)).json()) as { settings: { rate: number } };
    assert.equal(status.settings.rate, 25);

    assert.equal(await run.exit, 0, run.stderr.text);
    const lines = run.stderr.text.match(LIVE_LINE) ?? [];
    assert.ok(lines.length >= 3, `live lines:\n${run.stderr.text}`);

    const summary = JSON.parse(run.stdout.text) as LoadSummary & { target: string; seed: number };
    assert.equal(summary.target, stub.url);
    assert.equal(summary.seed, 42);
    assert.equal(summary.unfinished, 0);
    const ended = Object.values(summary.outcomes).reduce((sum, n) => sum + n, 0);
    assert.equal(ended, summary.offered, 'every arrival ended with an outcome');
    assert.ok(summary.outcomes.ok > 0);

    // The shoppers followed the checkout contract: 202 → polls of Location; 503 unknown → the same key again.
    assert.ok(summary.checkout.accepted > 0 && summary.checkout.polls > 0, JSON.stringify(summary.checkout));
    assert.ok(summary.checkout.resends > 0, JSON.stringify(summary.checkout));
    assert.ok((stub.answers.get('GET /api/orders/:id 200') ?? 0) > 0);
    assert.ok((stub.answers.get('POST /api/orders 201') ?? 0) > 0);
    assert.equal(summary.byStream.shoppers.failed, 0, JSON.stringify(summary.failures));
    assert.ok(summary.outcomes.shed > 0, 'the stub sheds every 10th product list');

    // The abuser is throttled; the bad-body client is refused.
    assert.ok(summary.byStream.abuser.throttled > 0, JSON.stringify(summary.byStream));
    assert.ok(summary.byStream['bad-bodies'].rejected > 0, JSON.stringify(summary.byStream));
    assert.equal(summary.byStream['bad-bodies'].ok, 0);
    const edgeRefusals = [...stub.answers].filter(([key]) => / (400|413|415)$/.test(key));
    assert.ok(edgeRefusals.length > 0);
    assert.ok(summary.peakRssMb > 0);
  });

  it('prints the summary as text when it is stopped by a command', async () => {
    const run = runCli(['--url', stub.url, '--rate', '5', '--api-keys', 'key-a']);
    await run.stdout.waitFor(LIVE_LINE);
    run.child.stdin.write('stop\n');
    assert.equal(await run.exit, 0, run.stderr.text);
    assert.match(run.stdout.text, /^summary: [\d.]+s, \d+ offered, \d+ requests sent/m);
    assert.match(run.stdout.text, /^ {2}outcomes {4}ok \d+/m);
    assert.match(run.stdout.text, /^ {2}memory {6}peak RSS [\d.]+ MB/m);
  });

  it('says what is wrong with a flag in one line and exits 2', async () => {
    const run = runCli(['--rate', 'lots']);
    assert.equal(await run.exit, 2);
    assert.equal(run.stderr.text, "load: --rate expects a number in 0..100000, got 'lots'\n");
  });
});
