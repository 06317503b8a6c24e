/**
 * One measured client in its own process, for the tracing-on comparison: the same `@rebound/rpc` client (full
 * pipeline and metrics) with tracing off, or on when started through `traced.ts`. It stays up for the whole
 * comparison, so every round measures a warm process (started afresh per round, each round paid the start-up
 * of whatever the variant loads, its JIT warm-up and the SDK's first export). Prints `READY`, then takes one
 * run per stdin line and prints one JSON `RunResult` line per run; exits when stdin ends.
 *
 * Usage: node --conditions=development bench/client-run.ts <host:port>
 *        then lines: `closed <concurrency> <runMs>` or `open <rate> <runMs>`
 */
import { createInterface } from 'node:readline';
import { reboundClient } from './clients.ts';
import { runClosed, runOpen } from './load.ts';

const [address] = process.argv.slice(2);
if (address === undefined) throw new Error('usage: client-run.ts <host:port>');
const { call, close } = reboundClient(address);
// Retries and retry-after waits (a shedding server) run on the resilience library's unref'd timers: the open
// stdin keeps this process alive between and during runs.
console.log('READY');
for await (const line of createInterface({ input: process.stdin })) {
  const [mode, amount, runMs] = line.trim().split(' ');
  if (mode !== 'closed' && mode !== 'open') throw new Error(`bad run "${line}": closed|open <n> <runMs>`);
  const result =
    mode === 'closed'
      ? await runClosed(call, Number(amount), Number(runMs), 300)
      : await runOpen(call, Number(amount), Number(runMs), 5_000);
  console.log(JSON.stringify(result));
}
close();
