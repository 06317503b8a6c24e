import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** Where a client sends its calls: a fixed list of `host:port`, or a DNS name that is resolved again and again. */
export type Target = readonly string[] | string;

export interface Resolver {
  /** The addresses (`host:port`) the target currently stands for. */
  resolve(): Promise<readonly string[]>;
  /** True when the address set can change (a `dns:///` or `file:///` target). */
  readonly dynamic: boolean;
  /** How often a dynamic target is resolved again, when it knows better than the client's default. */
  readonly refreshMs?: number;
}

/** An endpoints file is re-read this often: a local file read is cheap, and a rollout waits for it. */
export const FILE_REFRESH_MS = 1000;

/**
 * A resolver for `target`: an array or a comma-separated `host:port` list is static (the local runtime passes
 * `CATALOG_ADDRS=127.0.0.1:50051,127.0.0.1:50052`); `dns:///name:port` resolves every A/AAAA record of a
 * Kubernetes headless Service, one address per pod.
 */
export function resolverFor(target: Target): Resolver {
  // `file:///abs/path`: the addresses the local supervisor writes for a peer's serving replicas (one per line or
  // comma-separated), re-read every second, so a rollout's new replicas receive traffic (infra/local rollouts).
  if (typeof target === 'string' && target.startsWith('file:')) {
    const path = fileURLToPath(target);
    return {
      dynamic: true,
      refreshMs: FILE_REFRESH_MS,
      async resolve() {
        const text = await readFile(path, 'utf8');
        return text
          .split(/[\s,]+/)
          .map((a) => a.trim())
          .filter(Boolean);
      },
    };
  }
  if (typeof target === 'string' && target.startsWith('dns:')) {
    const rest = target.replace(/^dns:(\/\/[^/]*\/)?/, '');
    const colon = rest.lastIndexOf(':');
    if (colon <= 0) throw new Error(`rpc target ${target}: expected dns:///name:port`);
    const host = rest.slice(0, colon);
    const port = rest.slice(colon + 1);
    return {
      dynamic: true,
      async resolve() {
        const records = await lookup(host, { all: true });
        return records
          .map((r) => (r.family === 6 ? `[${r.address}]:${port}` : `${r.address}:${port}`))
          .sort();
      },
    };
  }
  const list = (typeof target === 'string' ? target.split(',') : target).map((a) => a.trim()).filter(Boolean);
  if (list.length === 0) throw new Error('rpc target: no address given');
  return { dynamic: false, resolve: () => Promise.resolve(list) };
}
