/** The faults a fault-injection policy can inject. */
export type FaultKind = 'latency' | 'error' | 'abort' | 'hang';

/** Run-time switches of a fault-injection policy; every rate is a probability in [0, 1]. */
export interface FaultConfig {
  /** Master switch: nothing is injected while false, whatever the rates. */
  readonly enabled: boolean;
  /** Delay a call by `ms` before it runs. Combines with the faults below. */
  readonly latency: { readonly rate: number; readonly ms: number };
  /** Fail a call at once without running it, with `error()` (default: an `InjectedFaultError`). */
  readonly error: { readonly rate: number; readonly error?: (() => unknown) | undefined };
  /**
   * Start the call, then abort it `afterMs` later: its signal is aborted and the caller gets an
   * `InjectedFaultError('abort')` while the callee may have done the work (a connection reset mid-call).
   */
  readonly abort: { readonly rate: number; readonly afterMs: number };
  /** Never settle (the operation is not run) until the execution is cancelled by its caller or a timeout. */
  readonly hang: { readonly rate: number };
}

/** A partial update for `set()`: each fault given replaces that fault's settings. */
export interface FaultConfigUpdate {
  readonly enabled?: boolean;
  readonly latency?: { readonly rate: number; readonly ms: number };
  readonly error?: { readonly rate: number; readonly error?: (() => unknown) | undefined };
  readonly abort?: { readonly rate: number; readonly afterMs?: number };
  readonly hang?: { readonly rate: number };
}

/** Everything off. */
export const NO_FAULTS: FaultConfig = Object.freeze({
  enabled: false,
  latency: Object.freeze({ rate: 0, ms: 0 }),
  error: Object.freeze({ rate: 0 }),
  abort: Object.freeze({ rate: 0, afterMs: 0 }),
  hang: Object.freeze({ rate: 0 }),
});

const isRate = (rate: unknown): boolean => typeof rate === 'number' && rate >= 0 && rate <= 1;

/** Applies `update` to `current`, validating it; throws a RangeError and changes nothing when invalid. */
export function mergeFaultConfig(current: FaultConfig, update: FaultConfigUpdate): FaultConfig {
  const next: FaultConfig = Object.freeze({
    enabled: update.enabled ?? current.enabled,
    latency: Object.freeze({ ...(update.latency ?? current.latency) }),
    error: Object.freeze({ ...(update.error ?? current.error) }),
    abort: Object.freeze({ afterMs: 0, ...(update.abort ?? current.abort) }),
    hang: Object.freeze({ ...(update.hang ?? current.hang) }),
  });
  for (const kind of ['latency', 'error', 'abort', 'hang'] as const) {
    if (!isRate(next[kind].rate)) throw new RangeError(`fault injection: ${kind}.rate must be in [0, 1]`);
  }
  if (!(next.latency.ms >= 0) || !(next.abort.afterMs >= 0)) {
    throw new RangeError('fault injection: latency.ms and abort.afterMs must be >= 0');
  }
  if (next.error.rate + next.abort.rate + next.hang.rate > 1 + 1e-9) {
    throw new RangeError(
      'fault injection: error, abort and hang rates are exclusive and must add up to <= 1',
    );
  }
  return next;
}
