import type { FusedRun } from './fused-run.ts';

/** {@link FusedLayer.exit}: pass the (possibly replaced) outcome on to the layer outside. */
export const PROPAGATE = 0;
/**
 * Returned by {@link FusedLayer.enter} to reject the call without throwing (a fast fail): the layer sets
 * `run.outcome` to the error first. Cheaper than `throw` on paths that reject every call (an open breaker).
 */
export const REJECT: unique symbol = Symbol('reject');

/** {@link FusedLayer.exit}: run the layers inside again, after `run.sleep` settles if the layer set it. */
export const RETRY = 1;

/**
 * The fast path behind `intercept()`: a policy that can do its work as two synchronous hooks instead of an
 * async wrapper. `pipeline()` fuses adjacent fused layers into one state machine per call that awaits the
 * operation once per attempt, instead of one promise and one await per layer. Policies without these hooks
 * still compose through `intercept()`.
 */
export interface FusedLayer {
  /** True for layers that may call `run.abandon()` (timeouts); such segments race their waits. */
  readonly abandons?: boolean;
  /**
   * Before the layers inside run. Returns a token for `exit`; throws (or sets `run.outcome` and returns
   * {@link REJECT}) to reject the call, in which case this layer does not exit but those outside do. To wait first (a bulkhead queue), set `run.pending` to a promise: the layers inside run when it
   * fulfils, and a rejection unwinds from the layer outside this one (this layer does not exit).
   */
  enter(run: FusedRun, index: number): unknown;
  /**
   * After the layers inside settled, with `run.failed` and `run.outcome` (value or error) describing it. May
   * replace them (a fallback), set `run.pending` to a promise whose result replaces them, or return
   * {@link RETRY}. `detached` is true when a timeout outside already gave up on this attempt and the real
   * outcome arrives late: do bookkeeping only (release, record), never retry or replace.
   */
  exit(run: FusedRun, index: number, token: unknown, detached: boolean): number;
}

export function isFusedLayer(policy: unknown): policy is FusedLayer {
  return (
    typeof (policy as FusedLayer).enter === 'function' && typeof (policy as FusedLayer).exit === 'function'
  );
}
