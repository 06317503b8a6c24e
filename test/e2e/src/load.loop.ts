import { setInterval as every } from 'node:timers/promises';

/** What one request of a load loop produced. */
export interface Sample {
  /** HTTP status, or 0 for a socket error / client timeout. */
  readonly status: number;
  readonly ms: number;
  /** Whatever the caller wants to tally (e.g. the fallback header). */
  readonly tag?: string;
}

export interface LoadOptions {
  readonly request: () => Promise<Sample>;
  /** Requests started per second (paced open loop); `undefined` = closed loop, each worker back to back. */
  readonly rps?: number;
  /** Requests in flight at most. */
  readonly concurrency: number;
  /** Stop starting requests once this returns true (checked before each start)... */
  readonly done: (elapsedMs: number, started: number) => boolean;
  /** ...or after this long / this many requests at most, whatever `done` says. */
  readonly maxMs: number;
  readonly maxRequests: number;
}

async function guarded(request: () => Promise<Sample>): Promise<Sample> {
  const started = performance.now();
  try {
    return await request();
  } catch {
    return { status: 0, ms: performance.now() - started };
  }
}

/** A bounded load loop (in count and time); resolves with every sample once the last request has settled. */
export async function runLoad(options: LoadOptions): Promise<Sample[]> {
  const samples: Sample[] = [];
  const inflight = new Set<Promise<void>>();
  const t0 = performance.now();
  let started = 0;
  const stop = () => {
    const elapsed = performance.now() - t0;
    return elapsed >= options.maxMs || started >= options.maxRequests || options.done(elapsed, started);
  };
  const launch = () => {
    started++;
    const promise: Promise<void> = guarded(options.request).then((sample) => {
      samples.push(sample);
      inflight.delete(promise);
    });
    inflight.add(promise);
    return promise;
  };
  if (options.rps === undefined) {
    const worker = async () => {
      while (!stop()) await launch();
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } else {
    for await (const _ of every(1000 / options.rps)) {
      if (stop()) break;
      if (inflight.size < options.concurrency) void launch();
    }
  }
  await Promise.all(inflight);
  return samples;
}
