import { type Clock, systemClock } from '@rebound/resilience';
import type { CheckResult, HealthCheck } from './health.probes.ts';

export interface EventLoopDelayCheckOptions {
  /** Fail when the 99th percentile delay within the window exceeds this. Default 200 ms. */
  readonly maxDelayMs?: number;
  /** Only samples this recent count. Default 5 s. */
  readonly windowMs?: number;
  /** How often a sample is taken. Default 20 ms. */
  readonly intervalMs?: number;
  /** Default: the process clock with unref'd timers (the sampler never keeps the process alive). */
  readonly clock?: Clock;
}

export interface EventLoopDelayCheck {
  /** Register it as a readiness check: an overloaded process stops receiving traffic rather than restarting. */
  readonly check: HealthCheck;
  /** Stops sampling. */
  stop(): void;
}

/**
 * An overload signal for readiness: how late a repeating timer fires (event loop delay), as the p99 over a
 * sliding window. Reading never resets anything, so a probe cannot drop the sample that shows a stall. Meant for
 * readiness, not liveness: restarting an overloaded replica only moves its load onto the others.
 */
export function eventLoopDelayCheck(options: EventLoopDelayCheckOptions = {}): EventLoopDelayCheck {
  const { maxDelayMs = 200, windowMs = 5_000, intervalMs = 20, clock = systemClock } = options;
  const samples: Array<{ at: number; delayMs: number }> = [];
  let stopped = false;
  let timer = { cancel: () => {} };

  const schedule = () => {
    const expected = clock.now() + intervalMs;
    timer = clock.setTimer(() => {
      const now = clock.now();
      samples.push({ at: now, delayMs: Math.max(0, now - expected) });
      if (!stopped) schedule();
    }, intervalMs);
  };
  schedule();

  return {
    check: (): CheckResult => {
      const since = clock.now() - windowMs;
      while (samples.length > 0 && samples[0]!.at < since) samples.shift();
      if (samples.length === 0) return { ok: true, detail: 'no samples yet' };
      const sorted = samples.map((sample) => sample.delayMs).sort((a, b) => a - b);
      const p99Ms = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]!;
      const detail = `p99 event loop delay ${Math.round(p99Ms)} ms`;
      return p99Ms > maxDelayMs
        ? { ok: false, detail: `${detail} > ${maxDelayMs} ms` }
        : { ok: true, detail };
    },
    stop: () => {
      stopped = true;
      timer.cancel();
    },
  };
}
