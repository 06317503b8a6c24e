import { ResilienceError } from './resilience.error.ts';

/** Why a bulkhead turned a call away. */
export type BulkheadRejection = 'full' | 'queue-timeout';

/** Raised by a bulkhead whose slots and queue are full, or whose queued caller waited too long. */
export class BulkheadRejectedError extends ResilienceError {
  readonly isBulkheadRejectedError = true;
  readonly reason: BulkheadRejection;

  constructor(reason: BulkheadRejection) {
    super(reason === 'full' ? 'Bulkhead is full' : 'Bulkhead queue wait timed out');
    this.reason = reason;
  }

  override get name(): string {
    return 'BulkheadRejectedError';
  }
}
