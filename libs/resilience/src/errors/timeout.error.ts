import { ResilienceError } from './resilience.error.ts';

/**
 * Raised when a call outlives its time: its own timeout (`deadline: false`) or the absolute deadline of the
 * whole execution (`deadline: true`, which is never worth retrying). Also used as the abort reason handed to
 * the callee's `signal`, so the callee can tell a timeout from its caller giving up.
 */
export class TimeoutError extends ResilienceError {
  declare readonly isTimeoutError: true;
  readonly timeoutMs: number;
  readonly deadline: boolean;

  constructor(timeoutMs: number, deadline = false) {
    super(deadline ? 'Deadline exceeded' : `Timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
    this.deadline = deadline;
  }

  override get name(): string {
    return 'TimeoutError';
  }
}

Object.defineProperty(TimeoutError.prototype, 'isTimeoutError', { value: true });
