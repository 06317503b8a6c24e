import { type EventLoopUtilization, monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** One window of event-loop readings, from the end of the previous window to now. */
export interface LoopWindow {
  /** How late the loop ran (ms): the p90 of its turns' delays in the window. */
  readonly delayMs: number;
  /** The share of the window the loop was busy (0..1). */
  readonly utilization: number;
}

/** What {@link OverloadSignal} reads once per window; {@link eventLoopSampler} by default, a fake in tests. */
export interface LoopSampler {
  /** The window since the last `read()` (or `reset()`), and starts the next one. */
  read(): LoopWindow;
  /** Forgets what was measured so far (start-up, whose module loading would read as a stall). */
  reset(): void;
  close(): void;
}

/** The histogram's timer fires every this many ms; what it records includes this interval. */
const RESOLUTION_MS = 10;

/**
 * The event loop as `node:perf_hooks` sees it: delay from `monitorEventLoopDelay` (a native timer, so reading
 * costs no JavaScript timer of its own) and utilization from `performance.eventLoopUtilization()`. The p90, not
 * the max or the p99: a single stall (a GC pause) records one late sample among the window's many, so it is not
 * read as overload; a loop that is late turn after turn is.
 */
export function eventLoopSampler(): LoopSampler {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  let since: EventLoopUtilization = performance.eventLoopUtilization();
  const reset = (): void => {
    histogram.reset();
    since = performance.eventLoopUtilization();
  };
  return {
    read: () => {
      const now = performance.eventLoopUtilization();
      const utilization = performance.eventLoopUtilization(now, since).utilization;
      const delayMs = histogram.count === 0 ? 0 : Math.max(0, histogram.percentile(90) / 1e6 - RESOLUTION_MS);
      histogram.reset();
      since = now;
      return { delayMs, utilization };
    },
    reset,
    close: () => histogram.disable(),
  };
}
