import type { Priority } from '../common/execution-context.ts';
import { ResilienceError } from './resilience.error.ts';

/** Raised by the adaptive concurrency limiter when a call of `priority` is shed (overload). */
export class LoadShedError extends ResilienceError {
  readonly isLoadShedError = true;
  readonly priority: Priority;

  constructor(priority: Priority, retryAfterMs: number) {
    super('Load shed: concurrency limit reached', retryAfterMs);
    this.priority = priority;
  }

  override get name(): string {
    return 'LoadShedError';
  }
}

export const isLoadShedError = (e: unknown): e is LoadShedError =>
  typeof e === 'object' && e !== null && (e as { isLoadShedError?: unknown }).isLoadShedError === true;
