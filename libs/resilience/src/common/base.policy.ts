import { TaskCancelledError } from '../errors/task-cancelled.error.ts';
import { TimeoutError } from '../errors/timeout.error.ts';
import { type ExecuteOptions, ExecutionContext, type Operation } from './execution.context.ts';
import type { Clock } from './system.clock.ts';

/**
 * The rest of a pipeline, seen from one policy: call `run(context)` to continue inward. Links are built once,
 * when the pipeline is composed, so passing through a layer allocates no closure.
 */
export interface Chain {
  run(context: ExecutionContext): Promise<unknown>;
}

/**
 * A resilience policy. `execute()` runs an operation under it alone; `intercept()` is the composition hook that
 * `pipeline()` uses: do the policy's work around `next.run(context)`.
 */
export interface Policy {
  /** The monotonic clock this policy reads; contexts created by `execute()` use it. */
  readonly clock: Clock;
  execute<T>(operation: Operation<T>, options?: ExecuteOptions): Promise<T>;
  intercept(context: ExecutionContext, next: Chain): Promise<unknown>;
}

/** The innermost link: invokes the operation itself. */
export const terminal: Chain = {
  run(context: ExecutionContext): Promise<unknown> {
    return context.invoke();
  },
};

async function runAndRelease(policy: Policy, context: ExecutionContext): Promise<unknown> {
  try {
    return await policy.intercept(context, terminal);
  } finally {
    context.release();
  }
}

/**
 * Runs `operation` under `policy`: creates the execution context, fails at once when the caller's signal is
 * already aborted or the deadline already passed, and detaches from the caller's signal when it settles.
 */
export function executePolicy<T>(
  policy: Policy,
  operation: Operation<T>,
  options?: ExecuteOptions,
): Promise<T> {
  const context = new ExecutionContext(operation as Operation<unknown>, policy.clock, options);
  if (options === undefined) return policy.intercept(context, terminal) as Promise<T>;
  const { signal, deadline } = options;
  if (signal?.aborted) return Promise.reject(new TaskCancelledError(signal.reason));
  if (deadline !== undefined && deadline <= policy.clock.now()) {
    return Promise.reject(new TimeoutError(0, true));
  }
  if (signal === undefined) return policy.intercept(context, terminal) as Promise<T>;
  return runAndRelease(policy, context) as Promise<T>;
}

/** Base class for policies: supplies `execute()` on top of `intercept()`. */
export abstract class BasePolicy implements Policy {
  readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  abstract intercept(context: ExecutionContext, next: Chain): Promise<unknown>;

  execute<T>(operation: Operation<T>, options?: ExecuteOptions): Promise<T> {
    return executePolicy(this, operation, options);
  }
}
