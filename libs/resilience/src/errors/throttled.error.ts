import { ResilienceError } from './resilience.error.ts';

/** Raised by client-side adaptive throttling: the call was rejected locally, never sent. */
export class ThrottledError extends ResilienceError {
  readonly isThrottledError = true;
  /** The rejection probability in force when the call was dropped. */
  readonly probability: number;

  constructor(probability: number) {
    super('Throttled locally: the backend is rejecting requests');
    this.probability = probability;
  }

  override get name(): string {
    return 'ThrottledError';
  }
}

export const isThrottledError = (e: unknown): e is ThrottledError =>
  typeof e === 'object' && e !== null && (e as { isThrottledError?: unknown }).isThrottledError === true;
