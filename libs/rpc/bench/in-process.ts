/**
 * CPU per request with client and server in this one process, for raw grpc-js and for @rebound/rpc on both
 * sides (client pipeline + metrics, server shedding + faults hook + metrics). CPU time, interleaved rounds and the
 * median make this figure stable on a busy shared box where throughput is not.
 */
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { catalogV1 } from '@rebound/contracts';
import { createMetricsRegistry, createRedMetrics, createResilienceMetrics } from '@rebound/observability';
import { createRpcServer } from '../src/index.ts';
import { answer } from './answer.ts';
import { type BenchClient, rawClient, reboundClient } from './clients.ts';

const Service = catalogV1.CatalogServiceService;

async function rawPair(): Promise<BenchClient> {
  const server = new Server();
  server.addService(Service, {
    getProduct: (
      call: ServerUnaryCall<catalogV1.GetProductRequest, catalogV1.GetProductResponse>,
      callback: sendUnaryData<catalogV1.GetProductResponse>,
    ) => callback(null, answer(call.request.id)),
    listProducts: (_call: unknown, callback: sendUnaryData<catalogV1.ListProductsResponse>) =>
      callback(null, { products: [], nextPageToken: '' }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  const client = rawClient(`127.0.0.1:${port}`);
  return {
    call: client.call,
    close: () => {
      client.close();
      server.forceShutdown();
    },
  };
}

const sheds = { count: 0 };

async function reboundPair(): Promise<BenchClient> {
  const registry = createMetricsRegistry({ service: 'bench' });
  const resilienceMetrics = createResilienceMetrics(registry);
  const server = createRpcServer({ metrics: createRedMetrics(registry, 'rpc_server'), resilienceMetrics });
  server.addService(Service, {
    getProduct: (request) => answer(request.id),
    listProducts: () => ({ products: [], nextPageToken: '' }),
  });
  const port = await server.listen('127.0.0.1:0');
  server.onShed(() => {
    sheds.count++;
  });
  const client = reboundClient(`127.0.0.1:${port}`);
  return {
    call: client.call,
    close: () => {
      client.close();
      server.forceShutdown();
    },
  };
}

async function measure(
  call: BenchClient['call'],
  n: number,
  concurrency: number,
): Promise<{ cpuUs: number; rps: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; i < n / concurrency; i++) await call(`${w}-${i}`);
    }),
  );
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / n, rps: n / ((performance.now() - started) / 1000) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function inProcessCpu(rounds = 5, n = 6_400, concurrency = 64) {
  const raw = await rawPair();
  const ours = await reboundPair();
  await measure(raw.call, 2_000, concurrency);
  await measure(ours.call, 2_000, concurrency);
  const r: { cpuUs: number; rps: number }[] = [];
  const o: { cpuUs: number; rps: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    r.push(await measure(raw.call, n, concurrency));
    o.push(await measure(ours.call, n, concurrency));
  }
  raw.close();
  ours.close();
  const rawCpu = median(r.map((x) => x.cpuUs));
  const oursCpu = median(o.map((x) => x.cpuUs));
  return {
    concurrency,
    rawCpuUsPerRequest: rawCpu,
    reboundCpuUsPerRequest: oursCpu,
    cpuRatio: oursCpu / rawCpu,
    rawRps: median(r.map((x) => x.rps)),
    reboundRps: median(o.map((x) => x.rps)),
    /** Calls the server shed (and the client retried) over all rounds. */
    sheds: sheds.count,
  };
}
