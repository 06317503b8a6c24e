import type { ExecutionContext } from './execution.context.ts';

/**
 * The optional fast path a policy may offer `pipeline()`: its `intercept()` behaviour restated as two
 * synchronous hooks, so that adjacent such policies run as one state machine per call (one await per attempt
 * instead of one promise and one await per layer). `intercept()` stays the definition of the policy's
 * behaviour: the hooks must do the same, and the tests run pipelines both ways (see `pipeline.policy.ts`).
 * A policy never needs these hooks; without them it composes through `intercept()` alone.
 */
export interface FusedLayer {
  /** True for layers that may call `call.abandon()` (timeouts); such segments race their waits. */
  readonly abandons?: boolean;
  /**
   * Before the layers inside run. Returns a token for `exit`; throws (or sets `call.outcome` and returns
   * {@link REJECT}) to reject the call, in which case this layer does not exit but those outside do. To wait
   * first (a bulkhead queue), set `call.pending` to a promise: the layers inside run when it fulfils, and a
   * rejection unwinds from the layer outside this one (this layer does not exit).
   */
  enter(call: FusedCall, index: number): unknown;
  /**
   * After the layers inside settled, with `call.failed` and `call.outcome` (value or error) describing it. May
   * replace them (a fallback), set `call.pending` to a promise whose result replaces them, or return
   * {@link RETRY}. `detached` is true when a timeout outside already gave up on this attempt and the real
   * outcome arrives late: no layer outside waits for this one any more, so never retry (the outcome still
   * travels on to the detached layers outside, replaced or not, as around `intercept()`).
   */
  exit(call: FusedCall, index: number, token: unknown, detached: boolean): number;
}

/** One call through fused layers, as the layers see it: the execution context plus the outcome travelling out. */
export interface FusedCall extends ExecutionContext {
  /** Whether the outcome travelling outwards is an error. Layers may replace it in `exit`. */
  failed: boolean;
  /** The value or error travelling outwards. */
  outcome: unknown;
  /** Set by a layer to make the call wait (see {@link FusedLayer}). */
  pending: PromiseLike<unknown> | undefined;
  /**
   * Set by a layer returning {@link RETRY}: resolves when the retry may start (a backoff sleep); resolving to
   * `false` means the layer gave up meanwhile and the call unwinds outside it with the current outcome.
   */
  sleep: PromiseLike<unknown> | undefined;
  /** The promise of the attempt in flight (for layers that record abandoned work). */
  readonly work: Promise<unknown> | undefined;
  /** Replaces the token of layer `index` (a retry keeping its count). */
  setToken(index: number, token: unknown): void;
  /** True while layer `index` is entered with `token` (not exited, not abandoned, not a later attempt's). */
  holds(index: number, token: unknown): boolean;
  /**
   * Gives up on whatever runs inside layer `index` (a timeout firing): the layers inside it are detached and
   * exit when the abandoned work settles, while layer `index` and those outside unwind now with `error`.
   */
  abandon(index: number, error: unknown): void;
}

/** {@link FusedLayer.exit}: pass the (possibly replaced) outcome on to the layer outside. */
export const PROPAGATE = 0;
/** {@link FusedLayer.exit}: run the layers inside again, after `call.sleep` settles if the layer set it. */
export const RETRY = 1;
/**
 * Returned by {@link FusedLayer.enter} to reject the call without throwing (a fast fail): the layer sets
 * `call.outcome` to the error first. Cheaper than `throw` on paths that reject every call (an open breaker).
 */
export const REJECT: unique symbol = Symbol('reject');

export function isFusedLayer(policy: unknown): policy is FusedLayer {
  return (
    typeof (policy as FusedLayer).enter === 'function' && typeof (policy as FusedLayer).exit === 'function'
  );
}
