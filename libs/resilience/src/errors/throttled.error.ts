import { fastError, ResilienceError } from './resilience.error.ts';

const MESSAGE = 'Throttled locally: the backend is rejecting requests';

/** Raised by client-side adaptive throttling: the call was rejected locally, never sent. */
export class ThrottledError extends ResilienceError {
  declare readonly isThrottledError: true;
  /** The rejection probability in force when the call was dropped. */
  readonly probability: number;

  constructor(probability: number) {
    super(MESSAGE);
    this.probability = probability;
  }

  override get name(): string {
    return 'ThrottledError';
  }

  /** @internal The fast-fail path: same error, built without Error's constructor (see `fastError`). */
  static fast(probability: number): ThrottledError {
    return fastError(ThrottledError.prototype, MESSAGE, undefined, { probability });
  }
}

Object.defineProperty(ThrottledError.prototype, 'isThrottledError', { value: true });

export const isThrottledError = (e: unknown): e is ThrottledError =>
  typeof e === 'object' && e !== null && (e as { isThrottledError?: unknown }).isThrottledError === true;
