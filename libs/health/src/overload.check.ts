import type { CheckResult, HealthCheck } from './health.probes.ts';
import type { OverloadSignal } from './overload.signal.ts';

/**
 * Readiness from the process's {@link OverloadSignal}: an overloaded process stops receiving traffic rather than
 * restarting (restarting it would only move its load onto the others), so this is never a liveness check.
 */
export function overloadCheck(signal: Pick<OverloadSignal, 'reading' | 'maxDelayMs'>): HealthCheck {
  return (): CheckResult => {
    const { overloaded, delayMs, utilization } = signal.reading;
    const detail = `event loop delay ${Math.round(delayMs)} ms (bound ${signal.maxDelayMs} ms), utilization ${utilization.toFixed(2)}`;
    return overloaded ? { ok: false, detail: `overloaded: ${detail}` } : { ok: true, detail };
  };
}
