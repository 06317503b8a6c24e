import type { Priority } from '../common/execution.context.ts';
import { fastError, ResilienceError } from './resilience.error.ts';

const MESSAGE = 'Load shed: concurrency limit reached';

/** Raised by the adaptive concurrency limiter when a call of `priority` is shed (overload). */
export class LoadShedError extends ResilienceError {
  declare readonly isLoadShedError: true;
  readonly priority: Priority;

  constructor(priority: Priority, retryAfterMs: number) {
    super(MESSAGE, retryAfterMs);
    this.priority = priority;
  }

  override get name(): string {
    return 'LoadShedError';
  }

  /** @internal The fast-fail path: same error, built without Error's constructor (see `fastError`). */
  static fast(priority: Priority, retryAfterMs: number): LoadShedError {
    return fastError(LoadShedError.prototype, MESSAGE, retryAfterMs, { priority });
  }
}

Object.defineProperty(LoadShedError.prototype, 'isLoadShedError', { value: true });

export const isLoadShedError = (e: unknown): e is LoadShedError =>
  typeof e === 'object' && e !== null && (e as { isLoadShedError?: unknown }).isLoadShedError === true;
