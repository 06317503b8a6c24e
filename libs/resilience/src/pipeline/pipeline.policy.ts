import { BasePolicy, type Chain, type Policy, terminal } from '../common/base.policy.ts';
import type { ExecuteOptions, ExecutionContext, Operation } from '../common/execution.context.ts';
import { type FusedLayer, isFusedLayer } from '../common/fused-layer.types.ts';
import { type Clock, systemClock } from '../common/system.clock.ts';
import { FusedSegment } from './fused.runner.ts';

class Link implements Chain {
  readonly #policy: Policy;
  readonly #next: Chain;

  constructor(policy: Policy, next: Chain) {
    this.#policy = policy;
    this.#next = next;
  }

  run(context: ExecutionContext): Promise<unknown> {
    return this.#policy.intercept(context, this.#next);
  }
}

/**
 * Links policies around `inner`, outermost first. With `fuse`, each run of adjacent policies offering the
 * {@link FusedLayer} fast path becomes one segment (one state machine per call); the others, and every policy
 * without `fuse`, run through their `intercept()`.
 */
function link(policies: readonly Policy[], inner: Chain, fuse: boolean): Chain {
  let chain = inner;
  let fused: FusedLayer[] = [];
  const flush = (): void => {
    if (fused.length > 0) chain = new FusedSegment(fused.reverse(), chain);
    fused = [];
  };
  for (let i = policies.length - 1; i >= 0; i--) {
    const policy = policies[i]!;
    if (fuse && isFusedLayer(policy)) {
      fused.push(policy);
    } else {
      flush();
      chain = new Link(policy, chain);
    }
  }
  flush();
  return chain;
}

/**
 * Policies composed outermost first: `pipeline(bulkhead, timeout, retry, breaker)` runs the bulkhead around the
 * timeout around the retry around the breaker around the operation. Nested pipelines are flattened.
 *
 * Each policy's `intercept()` defines what it does. As an optimisation, adjacent policies that also offer the
 * fast-path hooks (this package's retry, breaker, timeout, bulkhead and fallback) run fused: one state machine
 * per call instead of one async wrapper per layer, with the same behaviour (the tests run pipelines both ways;
 * the bench reports the gain).
 */
export class Pipeline extends BasePolicy {
  readonly policies: readonly Policy[];
  readonly #fuse: boolean;
  readonly #head: Chain;

  /** @param fuse internal: `false` composes through `intercept()` only (for the equivalence tests and bench). */
  constructor(policies: readonly Policy[], clock: Clock, fuse = true) {
    super(clock);
    this.policies = policies;
    this.#fuse = fuse;
    this.#head = link(policies, terminal, fuse);
  }

  override execute<T>(operation: Operation<T>, options?: ExecuteOptions): Promise<T> {
    const head = this.#head;
    if (head instanceof FusedSegment) return head.execute(operation, this.clock, options);
    return super.execute(operation, options);
  }

  intercept(context: ExecutionContext, next: Chain): Promise<unknown> {
    // Linked once for the common case; a pipeline nested inside a foreign chain links per call.
    return next === terminal ? this.#head.run(context) : link(this.policies, next, this.#fuse).run(context);
  }
}

function flatten(policies: readonly Policy[]): Policy[] {
  const flat: Policy[] = [];
  for (const policy of policies) {
    if (policy instanceof Pipeline) flat.push(...policy.policies);
    else flat.push(policy);
  }
  return flat;
}

/**
 * Composes policies into one, outermost first. A recommended order (as in Microsoft's standard handler):
 * `pipeline(bulkhead, totalTimeout, retry, breaker, attemptTimeout)`. The pipeline reads the first policy's clock.
 */
export function pipeline(...policies: Policy[]): Pipeline {
  const flat = flatten(policies);
  return new Pipeline(flat, flat[0]?.clock ?? systemClock);
}

/**
 * @internal The same composition without the fused fast path: every policy through its `intercept()`. Not
 * exported from the package; the tests check that both compositions behave alike and the bench compares them.
 */
export function plainPipeline(...policies: Policy[]): Pipeline {
  const flat = flatten(policies);
  return new Pipeline(flat, flat[0]?.clock ?? systemClock, false);
}
