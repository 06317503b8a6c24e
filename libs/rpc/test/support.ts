import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { catalogV1 } from '@rebound/contracts';
import { createRpcServer, type HandlerContext, type RpcServer, type RpcServerOptions } from '../src/index.ts';

export const CatalogService = catalogV1.CatalogServiceService;
export type GetProductHandler = (
  request: catalogV1.GetProductRequest,
  context: HandlerContext,
) => catalogV1.GetProductResponse | Promise<catalogV1.GetProductResponse>;

export interface Replica {
  readonly server: RpcServer;
  readonly port: number;
  readonly address: string;
  /** Calls that reached the handler. */
  readonly calls: { count: number };
}

export function product(id: string, replica = ''): catalogV1.GetProductResponse {
  return {
    product: {
      id,
      name: replica,
      description: '',
      price: { amountMinor: 100, currency: 'EUR' },
    },
  };
}

/** A catalog replica on 127.0.0.1 whose GetProduct runs `handler` (default: answers with its own address). */
export async function startReplica(
  handler?: GetProductHandler,
  options: RpcServerOptions & { port?: number } = {},
): Promise<Replica> {
  const server = createRpcServer(options);
  const calls = { count: 0 };
  let address = '';
  server.addService(CatalogService, {
    getProduct: (request, context) => {
      calls.count++;
      return handler ? handler(request, context) : product(request.id, address);
    },
    listProducts: () => ({ products: [], nextPageToken: '' }),
  });
  const port = await server.listen(`127.0.0.1:${options.port ?? 0}`);
  address = `127.0.0.1:${port}`;
  return { server, port, address, calls };
}

/** Channel options for tests: reconnect quickly after a replica comes back. */
export const fastReconnect = {
  'grpc.initial_reconnect_backoff_ms': 50,
  'grpc.max_reconnect_backoff_ms': 200,
} as const;

const replicaProcess = new URL('./fixtures/replica-process.ts', import.meta.url).pathname;

/** A catalog replica in its own process (to SIGKILL or SIGSTOP it); `port` 0 picks a free one. */
export async function spawnReplica(port = 0): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--conditions=development', replicaProcess, String(port)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: child.stdout! })) {
    const match = /^PORT (\d+)$/.exec(line);
    if (match) return { child, port: Number(match[1]) };
  }
  throw new Error('replica process exited before listening');
}

/** Ends every replica process still alive (thawed first, in case a test froze it). */
export async function killReplicas(children: readonly ChildProcess[]): Promise<void> {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
}
