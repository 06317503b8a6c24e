/**
 * The CPU a sampled call costs tracing, both sides, export included: in a process whose SDK samples every trace
 * and exports to `OTEL_EXPORTER_OTLP_ENDPOINT` (a sink process), what `@rebound/rpc` does per call (the steps
 * of `unsampled-steps.ts`, now recording a client and a server span) plus the SDK's batching and export of both
 * spans, flushed before the clock stops. Timed against the same loop without those steps, alternating, median
 * of the paired differences. Prints one JSON line.
 *
 * Usage: node --conditions=development bench/traced.ts sampled-steps.ts
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

const method = methodTelemetry('/rebound.catalog.v1.CatalogService/GetProduct');
const CALLS = Number(process.env.SAMPLED_CALLS ?? 20_000);
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
  if (!client?.isRecording() || !server?.isRecording()) throw new Error('a span was not sampled');
  endRpcSpan(server, 'server', 0);
  endRpcSpan(client, 'client', 0);
}

async function cpuPerCall(traced: boolean): Promise<number> {
  const started = process.cpuUsage();
  // In slices, as calls come in a service: the batch processor exports from its timer between them.
  for (let i = 0; i < CALLS; i += 500) {
    for (let j = 0; j < 500; j++) call(traced);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (traced) await flushTracing();
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
