import type { ExecuteOptions, ExecutionContext, Operation } from '../common/execution-context.ts';
import { BasePolicy, type Chain, terminal } from '../common/policy.ts';
import type { FusedLayer } from './fused-run.ts';
import { type FusedRun, FusedSegment } from './fused-run.ts';

/**
 * Base class for policies written as {@link FusedLayer} hooks: `intercept()` runs the hooks around `next`, and
 * `pipeline()` fuses adjacent such policies into one state machine per call.
 */
export abstract class FusedPolicy extends BasePolicy implements FusedLayer {
  #alone: FusedSegment | undefined;

  abstract enter(run: FusedRun, index: number): unknown;
  abstract exit(run: FusedRun, index: number, token: unknown, detached: boolean): number;

  override execute<T>(operation: Operation<T>, options?: ExecuteOptions): Promise<T> {
    this.#alone ??= new FusedSegment([this], terminal);
    return this.#alone.execute(operation, this.clock, options);
  }

  intercept(context: ExecutionContext, next: Chain): Promise<unknown> {
    if (next === terminal) {
      this.#alone ??= new FusedSegment([this], terminal);
      return this.#alone.run(context);
    }
    return new FusedSegment([this], next).run(context);
  }
}
