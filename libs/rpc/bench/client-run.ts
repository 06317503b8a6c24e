/**
 * One measured client in its own process, for the tracing-on comparison: the same `@rebound/rpc` client (full
 * pipeline and metrics) with tracing off, or on when started through `traced.ts`. Prints one JSON `RunResult`.
 *
 * Usage: node --conditions=development bench/client-run.ts <host:port> closed <concurrency> <runMs>
 *        node --conditions=development bench/client-run.ts <host:port> open <rate> <runMs>
 */

import { reboundClient } from './clients.ts';
import { runClosed, runOpen } from './load.ts';

const [address, mode, amount, runMs] = process.argv.slice(2);
if (address === undefined || (mode !== 'closed' && mode !== 'open')) {
  throw new Error('usage: client-run.ts <host:port> closed|open <concurrency|rate> <runMs>');
}
const { call, close } = reboundClient(address);
// Retries and retry-after waits (a shedding server) run on the resilience library's unref'd timers: with every
// worker waiting on one, nothing would keep this process alive, and it would exit mid-run (unsettled await).
const keepAlive = setInterval(() => undefined, 1_000);
const result =
  mode === 'closed'
    ? await runClosed(call, Number(amount), Number(runMs), 300)
    : await runOpen(call, Number(amount), Number(runMs), 5_000);
clearInterval(keepAlive);
close();
console.log(JSON.stringify(result));
