import { fastError, ResilienceError } from './resilience.error.ts';

/** Why a bulkhead turned a call away. */
export type BulkheadRejection = 'full' | 'queue-timeout';

/** Raised by a bulkhead whose slots and queue are full, or whose queued caller waited too long. */
export class BulkheadRejectedError extends ResilienceError {
  declare readonly isBulkheadRejectedError: true;
  readonly reason: BulkheadRejection;

  constructor(reason: BulkheadRejection) {
    super(reason === 'full' ? 'Bulkhead is full' : 'Bulkhead queue wait timed out');
    this.reason = reason;
  }

  override get name(): string {
    return 'BulkheadRejectedError';
  }

  /** @internal The fast-fail path: same error, built without Error's constructor (see `fastError`). */
  static fast(reason: BulkheadRejection): BulkheadRejectedError {
    const message = reason === 'full' ? 'Bulkhead is full' : 'Bulkhead queue wait timed out';
    return fastError(BulkheadRejectedError.prototype, message, undefined, { reason });
  }
}

Object.defineProperty(BulkheadRejectedError.prototype, 'isBulkheadRejectedError', { value: true });
