/**
 * The CPU an unsampled call adds, step by step: in a process whose tracing SDK samples nothing (started through
 * `traced.ts` with `parentbased_traceidratio` 0, as a service's main.ts starts it), what `@rebound/rpc` does per
 * call on both sides: the caller's context, the client span and its injection into the metadata, the server
 * span extracted from that metadata, the handler run in its context, both spans ended. Timed against the same
 * loop without those steps, alternating, median of the paired differences. Prints one JSON line.
 *
 * Usage: node --conditions=development bench/traced.ts bench/unsampled-steps.ts
 */
import { Metadata } from '@grpc/grpc-js';
import {
  callerContext,
  endRpcSpan,
  methodTelemetry,
  runTraced,
  serverSpan,
  startClientSpan,
  startServerSpan,
} from '../src/telemetry.ts';

const method = methodTelemetry('/rebound.catalog.v1.CatalogService/GetProduct');
const CALLS = 200_000;
let sink = 0;

function call(traced: boolean): void {
  const metadata = new Metadata();
  metadata.set('x-request-id', 'r');
  if (!traced) {
    sink += 1;
    return;
  }
  const parent = callerContext();
  if (parent === undefined) throw new Error('tracing is off: run through traced.ts');
  const client = startClientSpan(method, parent, metadata);
  const context = startServerSpan(method, metadata);
  sink += runTraced(context, () => 1);
  const server = serverSpan(context);
  if (client?.isRecording() || server?.isRecording())
    throw new Error('a span was sampled: set the ratio to 0');
  endRpcSpan(server, 'server', 0);
  endRpcSpan(client, 'client', 0);
}

function cpuPerCall(traced: boolean): number {
  const started = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) call(traced);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / CALLS;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
cpuPerCall(false);
cpuPerCall(true);
const without: number[] = [];
const withSteps: number[] = [];
for (let round = 0; round < 7; round++) {
  without.push(cpuPerCall(false));
  withSteps.push(cpuPerCall(true));
}
console.log(
  JSON.stringify({
    baseCpuUs: median(without),
    stepsCpuUs: median(withSteps),
    addedCpuUs: median(withSteps.map((cpu, i) => cpu - without[i]!)),
    sink,
  }),
);
