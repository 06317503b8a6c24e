/**
 * Base class of every error this library raises. Construction skips stack capture (`Error.stackTraceLimit = 0`
 * for the duration of `super()`): these errors are raised on fast-fail paths where a stack trace would cost
 * microseconds and say nothing (the stack of a timer or a rejection at the door).
 *
 * Check with the `is…Error` guards rather than `instanceof`: the brand fields still work when two copies of
 * this package are loaded.
 */
export class ResilienceError extends Error {
  declare readonly isResilienceError: true;
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

Object.defineProperty(ResilienceError.prototype, 'isResilienceError', { value: true });
// Errors built by `fastError()` never ran Error's constructor and have no own `stack`: give them a one-line one.
Object.defineProperty(ResilienceError.prototype, 'stack', {
  configurable: true,
  get(this: ResilienceError): string {
    return `${this.name}: ${this.message}`;
  },
});

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Builds an error whose prototype is `prototype` without running `Error`'s constructor: no stack capture at all
 * (a constructor call costs far more, even with `stackTraceLimit = 0`). Brands live on the prototypes, so guards
 * and `instanceof` work; `fields` fills in what the constructor would have set. For fast-fail paths only.
 */
export function fastError<T extends ResilienceError>(
  prototype: T,
  message: string,
  retryAfterMs: number | undefined,
  fields?: Partial<Writable<T>>,
): T {
  const error = Object.create(prototype) as Writable<T>;
  error.message = message;
  error.retryAfterMs = retryAfterMs;
  if (fields !== undefined) Object.assign(error, fields);
  return error as T;
}
