// Resident memory of `pnpm load` under traffic: the built CLI, with the flags of the root `load` script,
// against the in-test gateway stub on 127.0.0.1 (no throttling, a 202 every 3rd order, a 503
// order_state_unknown every 4th). Prints one line per rate: peak RSS, offered, ok, p50 and p99.
// Usage: pnpm --filter @rebound/load run bench [seconds] [rate,rate,...]   (build first: pnpm build)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadSummary } from '../src/load.stats.ts';
import { exitOf, StreamText } from '../test/support/child.output.ts';
import { startGatewayStub } from '../test/support/gateway.stub.ts';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const seconds = Number(process.argv[2] ?? 20);
const rates = (process.argv[3] ?? '50,200,500').split(',').map(Number);

const stub = await startGatewayStub({ pendingEvery: 3, unknownEvery: 4 });
try {
  for (const rate of rates) {
    const child = spawn(
      process.execPath,
      [
        '--max-semi-space-size=2',
        CLI,
        ...['--url', stub.url, '--rate', String(rate), '--duration', String(seconds)],
        ...['--api-keys', 'key-a,key-b,key-c', '--abuser', '--abuser-key', 'key-c', '--bad-bodies'],
        ...['--seed', '1', '--json', '--quiet'],
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const stdout = new StreamText(child.stdout);
    if ((await exitOf(child)) !== 0) throw new Error(`load exited with an error at rate ${rate}`);
    const summary = JSON.parse(stdout.text) as LoadSummary;
    console.log(
      `rate ${String(rate).padStart(4)}/s for ${seconds}s: peak RSS ${summary.peakRssMb} MB (anonymous ${summary.peakAnonymousMb} MB), ` +
        `offered ${summary.offered}, ok ${summary.outcomes.ok}, dropped ${summary.outcomes.dropped}, ` +
        `shoppers p50 ${summary.latencyMs.p50.toFixed(2)} ms p99 ${summary.latencyMs.p99.toFixed(1)} ms`,
    );
  }
} finally {
  await stub.stop();
}
