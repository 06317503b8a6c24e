/** Why a breaker opened the circuit. */
export type TripReason = 'failures' | 'failure-rate' | 'slow-call-rate';

/**
 * Decides, from closed-state outcomes, when to open the circuit. Pure bookkeeping: the circuit-breaker policy
 * owns states, clocks and probes.
 */
export interface Breaker {
  /** True when `record` needs the time and call durations (so the policy reads the clock around every call). */
  readonly needsDuration: boolean;
  /** Records one outcome at `now`; returns why to open, or `undefined` to stay closed. */
  record(failed: boolean, durationMs: number, now: number): TripReason | undefined;
  /** Forgets everything (the circuit closed again). */
  reset(now: number): void;
}
