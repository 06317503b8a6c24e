import { type Clock, systemClock } from '../common/clock.ts';
import type { ExecuteOptions, ExecutionContext, Operation } from '../common/execution-context.ts';
import { BasePolicy, type Chain, type Policy, terminal } from '../common/policy.ts';
import { type FusedLayer, FusedSegment, isFusedLayer } from './fused-run.ts';

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

/** Links policies around `inner`, fusing each run of adjacent {@link FusedLayer} policies into one segment. */
function link(policies: readonly Policy[], inner: Chain): Chain {
  let chain = inner;
  let fused: FusedLayer[] = [];
  const flush = (): void => {
    if (fused.length > 0) chain = new FusedSegment(fused.reverse(), chain);
    fused = [];
  };
  for (let i = policies.length - 1; i >= 0; i--) {
    const policy = policies[i]!;
    if (isFusedLayer(policy)) {
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
 * timeout around the retry around the breaker around the operation. Nested pipelines are flattened, and adjacent
 * policies with fused hooks (all of this package's core policies) run as one state machine per call.
 */
export class Pipeline extends BasePolicy {
  readonly policies: readonly Policy[];
  readonly #head: Chain;

  constructor(policies: readonly Policy[], clock: Clock) {
    super(clock);
    this.policies = policies;
    this.#head = link(policies, terminal);
  }

  override execute<T>(operation: Operation<T>, options?: ExecuteOptions): Promise<T> {
    const head = this.#head;
    if (head instanceof FusedSegment) return head.execute(operation, this.clock, options);
    return super.execute(operation, options);
  }

  intercept(context: ExecutionContext, next: Chain): Promise<unknown> {
    // Composed once for the common case; a pipeline nested inside a foreign chain links per call.
    return next === terminal ? this.#head.run(context) : link(this.policies, next).run(context);
  }
}

/**
 * Composes policies into one, outermost first. A recommended order (as in Microsoft's standard handler):
 * `pipeline(bulkhead, totalTimeout, retry, breaker, attemptTimeout)`. The pipeline reads the first policy's clock.
 */
export function pipeline(...policies: Policy[]): Pipeline {
  const flat: Policy[] = [];
  for (const policy of policies) {
    if (policy instanceof Pipeline) flat.push(...policy.policies);
    else flat.push(policy);
  }
  return new Pipeline(flat, flat[0]?.clock ?? systemClock);
}
