/**
 * What tracing costs the NestJS service behind @rebound/rpc: the same server and client, each in its own
 * process, with tracing off, on with every call sampled, and on with 10 % of traces sampled (spans exported over
 * OTLP/HTTP to a sink process). Each variant's client is one warm process for the whole comparison (a warm-up
 * run first, not counted). Throughput and client CPU at c=64 (median of interleaved rounds), and p50/p99 at a
 * fixed rate; then what tracing adds to an unsampled call (`tracing-steps.ts unsampled`) and to a sampled one, export
 * included (`tracing-steps.ts sampled`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Listening,
  runForJson,
  startListening,
  startWorker,
  stopListening,
  type Worker,
} from './children.ts';
import type { RunResult } from './load.ts';

export interface TracingVariant {
  readonly name: string;
  readonly c64: RunResult;
  readonly fixed: RunResult;
  /**
   * c=64 throughput over tracing off, judged round by round: the median of the ratios within each round (the
   * variants run back to back in a round, so the box's load moves both alike). The bars read this.
   */
  readonly c64VsOff: number;
}

export interface TracingCost {
  readonly variants: readonly TracingVariant[];
  /** Span export requests and bytes the sink received from the traced variants. */
  readonly exported: { readonly requests: number; readonly bytes: number };
  /** CPU per call that @rebound/rpc's tracing adds to an unsampled call, both sides (`tracing-steps.ts unsampled`). */
  readonly unsampledSteps: StepsCost;
  /** CPU per call that a sampled call costs, both spans made, batched and exported (`tracing-steps.ts sampled`). */
  readonly sampledSteps: StepsCost;
}

export interface StepsCost {
  readonly baseCpuUs: number;
  readonly stepsCpuUs: number;
  readonly addedCpuUs: number;
}

const EXPORT_DELAY_MS = 1_000;

const median = (runs: RunResult[]) => [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)]!;
const medianOf = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function received(address: string): Promise<{ requests: number; bytes: number }> {
  const response = await fetch(`http://${address}/`);
  return (await response.json()) as { requests: number; bytes: number };
}

async function exportsReceived(address: string): Promise<number> {
  return (await received(address)).requests;
}

async function exportsSettled(address: string): Promise<void> {
  let last = await exportsReceived(address);
  for (;;) {
    await sleep(2 * EXPORT_DELAY_MS);
    const now = await exportsReceived(address);
    if (now === last) return;
    last = now;
  }
}

export async function measureTracingCost(
  rounds: number,
  runMs: number,
  fixedRate: number,
): Promise<TracingCost> {
  const sink = await startListening(['otlp-sink.ts']);
  const exporting = {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${sink.address}`,
    OTEL_BSP_SCHEDULE_DELAY: '1000',
  };
  const variants = [
    { name: 'tracing off', env: undefined },
    { name: 'tracing on, every call sampled', env: exporting },
    {
      name: 'tracing on, 10% sampled',
      env: { ...exporting, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
    },
  ];
  const traced = (env: NodeJS.ProcessEnv | undefined, args: string[]) =>
    env ? ['traced.ts', ...args] : args;
  const servers: Listening[] = [];
  const clients: Worker[] = [];
  try {
    for (const { env } of variants) {
      const server = await startListening(traced(env, ['bench-server.ts', 'nest-rpc']), env);
      servers.push(server);
      clients.push(await startWorker(traced(env, ['client-run.ts', server.address]), env));
    }
    const client = async (i: number, mode: string, amount: number, ms: number) => {
      const { env } = variants[i]!;
      const result = await clients[i]!.run<RunResult>(`${mode} ${amount} ${ms}`);
      // A traced server exports its last spans up to one schedule delay after the run, and on a busy box the
      // export itself can take seconds: wait until the sink has heard nothing for two export intervals, or that
      // export would run beside (and be charged to) the next variant.
      if (env !== undefined) await exportsSettled(sink.address);
      return result;
    };
    for (let i = 0; i < variants.length; i++) await client(i, 'closed', 64, runMs);
    const closed: RunResult[][] = variants.map(() => []);
    // Each round starts with another variant, so that none always runs right after the dearest one.
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < variants.length; k++) {
        const i = (round + k) % variants.length;
        closed[i]!.push(await client(i, 'closed', 64, runMs));
      }
    }
    const fixed: RunResult[] = [];
    for (let i = 0; i < variants.length; i++) fixed.push(await client(i, 'open', fixedRate, 2_500));
    // Stopping the clients and servers flushes their last spans before the sink counts.
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    await Promise.all(servers.splice(0).map(stopListening));
    await exportsSettled(sink.address);
    const exported = await received(sink.address);
    const sampledSteps = await runForJson<StepsCost>(['traced.ts', 'tracing-steps.ts', 'sampled'], exporting);
    await stopListening(sink);
    const unsampledSteps = await runForJson<StepsCost>(['traced.ts', 'tracing-steps.ts', 'unsampled'], {
      OTEL_TRACES_EXPORTER: 'console',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0',
    });
    return {
      variants: variants.map(({ name }, i) => ({
        name,
        c64: median(closed[i]!),
        fixed: fixed[i]!,
        c64VsOff: medianOf(closed[i]!.map((run, round) => run.rps / closed[0]![round]!.rps)),
      })),
      exported,
      unsampledSteps,
      sampledSteps,
    };
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await Promise.all(servers.map(stopListening));
    if (sink.child.exitCode === null) await stopListening(sink);
  }
}
