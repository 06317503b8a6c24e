import { ResilienceError } from './resilience.error.ts';

/** Raised when the caller's own `signal` aborts the execution; `cause` carries the abort reason. */
export class TaskCancelledError extends ResilienceError {
  declare readonly isTaskCancelledError: true;

  constructor(reason?: unknown) {
    super('Execution cancelled', undefined, { cause: reason });
  }

  override get name(): string {
    return 'TaskCancelledError';
  }
}

Object.defineProperty(TaskCancelledError.prototype, 'isTaskCancelledError', { value: true });
