import { catalogV1 } from '@rebound/contracts';
import { createRpcClient } from '@rebound/rpc';

/** What the users saw: calls made at a steady rate through a client configured as the gateway's catalog client. */
export interface TrafficTally {
  ok: number;
  failed: number;
  readonly failures: Map<string, number>;
}

/**
 * Calls `ListProducts` every `periodMs` (an open model: a slow answer does not slow the next call) through
 * `@rebound/rpc` on `target` with the gateway's catalog policy (idempotent, 800 ms deadline: retried once on another
 * replica within the shared budget), until `stop()`; bounded by `maxCalls`.
 */
export function steadyTraffic(target: string, periodMs: number, maxCalls: number) {
  const client = createRpcClient(catalogV1.CatalogServiceService, {
    target,
    methods: { listProducts: { idempotent: true, timeoutMs: 800 } },
  });
  const tally: TrafficTally = { ok: 0, failed: 0, failures: new Map() };
  const inflight = new Set<Promise<void>>();
  let calls = 0;
  const timer = setInterval(() => {
    if (calls >= maxCalls) return;
    calls += 1;
    const call = client
      .listProducts({ pageSize: 10, pageToken: '' } as never)
      .then(
        () => {
          tally.ok += 1;
        },
        (error: { code?: number; details?: string }) => {
          tally.failed += 1;
          const key = `${error.code} ${error.details ?? ''}`;
          tally.failures.set(key, (tally.failures.get(key) ?? 0) + 1);
        },
      )
      .finally(() => inflight.delete(call));
    inflight.add(call);
  }, periodMs);
  return {
    tally,
    /** Since `from` (a copy of an earlier tally): what the users saw in between. */
    since(from: { ok: number; failed: number }) {
      const ok = tally.ok - from.ok;
      const failed = tally.failed - from.failed;
      return { ok, failed, total: ok + failed, ratio: ok + failed === 0 ? 0 : failed / (ok + failed) };
    },
    snapshot: () => ({ ok: tally.ok, failed: tally.failed }),
    async stop() {
      clearInterval(timer);
      await Promise.all(inflight);
      client.$rpc.close();
    },
  };
}
