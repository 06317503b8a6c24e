import { request } from 'node:http';

/** What the users saw: GETs through one URL at a steady rate, each on a new connection. */
export interface HttpTally {
  ok: number;
  failed: number;
  readonly failures: Map<string, number>;
}

/**
 * GETs `url` every `periodMs` (an open model: a slow answer does not delay the next request), each on a new
 * connection (`agent: false`), so a front balancing per connection spreads them over every replica; a 5xx or a
 * connection error is a failure. Until `stop()`, which waits for the requests in flight.
 */
export function steadyHttp(url: string, periodMs: number) {
  const tally: HttpTally = { ok: 0, failed: 0, failures: new Map() };
  const inflight = new Set<Promise<void>>();
  const fail = (key: string) => {
    tally.failed += 1;
    tally.failures.set(key, (tally.failures.get(key) ?? 0) + 1);
  };
  const timer = setInterval(() => {
    const done = new Promise<void>((resolve) => {
      const req = request(url, { agent: false, timeout: 5_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 500) fail(`HTTP ${res.statusCode}`);
          else tally.ok += 1;
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error) => {
        fail(error.message);
        resolve();
      });
      req.end();
    }).finally(() => inflight.delete(done));
    inflight.add(done);
  }, periodMs);
  return {
    tally,
    async stop(): Promise<HttpTally> {
      clearInterval(timer);
      await Promise.all(inflight);
      return tally;
    },
  };
}
