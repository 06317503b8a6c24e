/**
 * One benchmark server per process, so that the client's CPU can be measured apart: `raw` (plain grpc-js),
 * `rpc` (@rebound/rpc with metrics), `nest-grpc` (NestJS microservice, Transport.GRPC) and `nest-rpc` (a NestJS
 * application served by @rebound/rpc through @rebound/rpc/nest). Prints `PORT <n>` when listening.
 *
 * Usage: node --conditions=development bench/bench-server.ts <kind> [workMs] [shedding on|off]
 */
import 'reflect-metadata';
import { setImmediate as yieldTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { catalogV1 } from '@rebound/contracts';
import { overloadSignal } from '@rebound/health';
import { createMetricsRegistry, createRedMetrics, createResilienceMetrics } from '@rebound/observability';
import { freePort } from '@rebound/testing';
import { createRpcServer, type RpcServerOptions } from '../src/index.ts';
import { answer } from './answer.ts';

const [kind = 'raw', workArg = '0', shedding = 'on'] = process.argv.slice(2);
const workMs = Number(workArg);
const Service = catalogV1.CatalogServiceService;

/** Spends `ms` of this process's CPU time (not wall time, so a busy box does not change the work per call). */
function burn(ms: number): void {
  const start = process.cpuUsage();
  let x = 0;
  for (;;) {
    for (let i = 0; i < 2_000; i++) x = (x * 31 + i) | 0;
    const used = process.cpuUsage(start);
    if (used.user + used.system >= ms * 1_000 || x === 42.5) return;
  }
}

/** The handler body: echo, or (overload experiment) yield once then burn `workMs` of CPU. */
async function work(id: string): Promise<catalogV1.GetProductResponse> {
  if (workMs > 0) {
    await yieldTurn();
    burn(workMs);
  }
  return answer(id);
}

function serverOptions(): RpcServerOptions {
  const registry = createMetricsRegistry({ service: 'bench' });
  return {
    metrics: createRedMetrics(registry, 'rpc_server'),
    resilienceMetrics: createResilienceMetrics(registry),
    // Shedding on = the server's defaults (queue-time admission per loop turn + the adaptive concurrency limit);
    // off = neither. BENCH_MAX_ELU adds the overload signal with that utilization bound (as service-defaults would
    // pass it, with the delay bound out of reach), BENCH_TARGET_MS changes the queue target,
    // BENCH_QUEUE_ADMISSION=off turns queue-time admission off in every scenario (to measure what it costs).
    ...(shedding === 'off' ? { limit: false as const } : {}),
    ...(shedding === 'on' && process.env.BENCH_MAX_ELU
      ? {
          overload: overloadSignal({ maxUtilization: Number(process.env.BENCH_MAX_ELU), maxDelayMs: 60_000 }),
        }
      : {}),
    ...(process.env.BENCH_QUEUE_ADMISSION === 'off' ? { queueAdmission: false as const } : {}),
    ...(shedding === 'on' && process.env.BENCH_TARGET_MS
      ? { queueAdmission: { targetMs: Number(process.env.BENCH_TARGET_MS) } }
      : {}),
  };
}

async function startRaw(): Promise<number> {
  const server = new Server();
  server.addService(Service, {
    getProduct: (
      call: ServerUnaryCall<catalogV1.GetProductRequest, catalogV1.GetProductResponse>,
      callback: sendUnaryData<catalogV1.GetProductResponse>,
    ) => {
      if (workMs === 0) callback(null, answer(call.request.id));
      else work(call.request.id).then((r) => callback(null, r));
    },
    listProducts: (_call: unknown, callback: sendUnaryData<catalogV1.ListProductsResponse>) =>
      callback(null, { products: [], nextPageToken: '' }),
  });
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, port) =>
      e ? reject(e) : resolve(port),
    ),
  );
}

async function startRpc(): Promise<number> {
  const server = createRpcServer(serverOptions());
  if (process.env.BENCH_DEBUG) {
    const sheds: Record<string, number> = {};
    server.onShed((event) => {
      sheds[event.reason] = (sheds[event.reason] ?? 0) + 1;
    });
    setInterval(() => {
      process.stderr.write(
        `limit ${server.shedder?.limit} inflight ${server.shedder?.inflight} per-turn cap ${server.queueAdmission?.cap} overloaded ${server.overloaded} sheds ${JSON.stringify(sheds)}\n`,
      );
    }, 500).unref();
  }
  server.addService(Service, {
    getProduct: (request) => (workMs === 0 ? answer(request.id) : work(request.id)),
    listProducts: () => ({ products: [], nextPageToken: '' }),
  });
  return server.listen('127.0.0.1:0');
}

async function startNestGrpc(): Promise<number> {
  const { Controller, Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { GrpcMethod, Transport } = await import('@nestjs/microservices');
  class CatalogController {
    getProduct(request: { id: string }) {
      return workMs === 0 ? answer(request.id) : work(request.id);
    }
  }
  const proto = CatalogController.prototype;
  GrpcMethod('CatalogService', 'GetProduct')(
    proto,
    'getProduct',
    Object.getOwnPropertyDescriptor(proto, 'getProduct')!,
  );
  Controller()(CatalogController);
  class AppModule {}
  Module({ controllers: [CatalogController] })(AppModule);
  const port = await freePort();
  const protoRoot = fileURLToPath(new URL('../../contracts/proto', import.meta.url));
  const app = await NestFactory.createMicroservice(AppModule, {
    transport: Transport.GRPC,
    logger: false,
    options: {
      package: 'rebound.catalog.v1',
      protoPath: 'rebound/catalog/v1/catalog.proto',
      loader: { includeDirs: [protoRoot] },
      url: `127.0.0.1:${port}`,
    },
  });
  await app.listen();
  return port;
}

async function startNestRpc(): Promise<number> {
  const { Injectable, Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  // The glue is built by tsc (decorators); its types stay out of this erasable file.
  const nest = (await import('../dist/nest/index.js' as string)) as {
    RpcHandlers(definition: unknown): ClassDecorator;
    RpcModule: { forRoot(options: unknown): import('@nestjs/common').DynamicModule };
    RpcServerHost: abstract new (...args: never[]) => { port: number | undefined };
  };
  class CatalogHandlers {
    getProduct(request: catalogV1.GetProductRequest) {
      return workMs === 0 ? answer(request.id) : work(request.id);
    }
    listProducts() {
      return { products: [], nextPageToken: '' };
    }
  }
  Injectable()(CatalogHandlers);
  nest.RpcHandlers(Service)(CatalogHandlers);
  class AppModule {}
  Module({
    imports: [nest.RpcModule.forRoot({ address: '127.0.0.1:0', server: serverOptions() })],
    providers: [CatalogHandlers],
  })(AppModule);
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  await app.init();
  return app.get(nest.RpcServerHost).port ?? 0;
}

const starters: Record<string, () => Promise<number>> = {
  raw: startRaw,
  rpc: startRpc,
  'nest-grpc': startNestGrpc,
  'nest-rpc': startNestRpc,
};
const start = starters[kind];
if (start === undefined) throw new Error(`unknown server kind ${kind}`);
const port = await start();
process.stdout.write(`PORT ${port}\n`);
// Exit with the parent: the benchmark closes stdin when it is done with this server.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
