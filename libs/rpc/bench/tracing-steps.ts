/**
 * The CPU tracing adds to one call, step by step, both sides together: what `@rebound/rpc` does per call (the
 * caller's context, the client span and its injection into the metadata, the server span extracted from that
 * metadata, the handler run in its context, both spans ended), timed against the same loop without those steps,
 * alternating, median of the paired differences. Prints one JSON line.
 * - `unsampled`: in a process whose SDK samples nothing (`parentbased_traceidratio` 0, as a service's main.ts
 *   starts it); 7 rounds of 200,000 calls.
 * - `sampled`: the SDK samples every trace and exports to `OTEL_EXPORTER_OTLP_ENDPOINT` (a sink process), so both
 *   spans are recorded, batched and exported, flushed before the clock stops; 7 rounds of 20,000 calls.
 * Calls run in slices of 500 so that the batch processor exports from its timer between them, as in a service.
 *
 * Usage: node --conditions=development bench/traced.ts tracing-steps.ts sampled|unsampled
 */
import { Metadata } from '@grpc/grpc-js';
import { flushTracing } from '@rebound/observability';
import {
  callerContext,
  endRpcSpan,
  methodTelemetry,
  runTraced,
  serverSpan,
  startClientSpan,
  startServerSpan,
} from '../src/telemetry.ts';

const mode = process.argv[2];
if (mode !== 'sampled' && mode !== 'unsampled')
  throw new Error('usage: traced.ts tracing-steps.ts sampled|unsampled');
const sampled = mode === 'sampled';
const method = methodTelemetry('/rebound.catalog.v1.CatalogService/GetProduct');
const CALLS = sampled ? Number(process.env.SAMPLED_CALLS ?? 20_000) : 200_000;
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
  if (Boolean(client?.isRecording()) !== sampled || Boolean(server?.isRecording()) !== sampled) {
    throw new Error(sampled ? 'a span was not sampled' : 'a span was sampled: set the ratio to 0');
  }
  endRpcSpan(server, 'server', 0);
  endRpcSpan(client, 'client', 0);
}

async function cpuPerCall(traced: boolean): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < CALLS; i += 500) {
    for (let j = 0; j < 500; j++) call(traced);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (traced && sampled) await flushTracing();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / CALLS;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
await cpuPerCall(false);
await cpuPerCall(true);
const without: number[] = [];
const withSteps: number[] = [];
for (let round = 0; round < 7; round++) {
  without.push(await cpuPerCall(false));
  withSteps.push(await cpuPerCall(true));
}
console.log(
  JSON.stringify({
    baseCpuUs: median(without),
    stepsCpuUs: median(withSteps),
    addedCpuUs: median(withSteps.map((cpu, i) => cpu - without[i]!)),
    sink,
  }),
);
