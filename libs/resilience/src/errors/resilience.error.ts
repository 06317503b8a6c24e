/**
 * Base class of every error this library raises. Construction skips stack capture (`Error.stackTraceLimit = 0`
 * for the duration of `super()`): these errors are raised on fast-fail paths where a stack trace would cost
 * microseconds and say nothing (the stack of a timer or a rejection at the door).
 *
 * Check with the `is…Error` guards rather than `instanceof`: the brand fields still work when two copies of
 * this package are loaded.
 */
export class ResilienceError extends Error {
  readonly isResilienceError = true;
  /** When set, how long the caller should wait before trying again (for example the remaining open time). */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, retryAfterMs?: number, options?: ErrorOptions) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message, options);
    Error.stackTraceLimit = limit;
    this.retryAfterMs = retryAfterMs;
  }

  override get name(): string {
    return 'ResilienceError';
  }
}
