import { fastError, ResilienceError } from './resilience.error.ts';

/** Raised by a circuit breaker that is open (or isolated, or half-open with every probe slot taken). */
export class BrokenCircuitError extends ResilienceError {
  declare readonly isBrokenCircuitError: true;
  /** True when the circuit was opened by hand with `isolate()`. */
  readonly isolated: boolean;

  constructor(retryAfterMs: number | undefined, isolated = false) {
    super(isolated ? 'Circuit is isolated' : 'Circuit is open', retryAfterMs);
    this.isolated = isolated;
  }

  override get name(): string {
    return 'BrokenCircuitError';
  }

  /** @internal The fast-fail path: same error, built without Error's constructor (see `fastError`). */
  static fast(retryAfterMs: number | undefined, isolated: boolean): BrokenCircuitError {
    return fastError(
      BrokenCircuitError.prototype,
      isolated ? 'Circuit is isolated' : 'Circuit is open',
      retryAfterMs,
      {
        isolated,
      },
    );
  }
}

Object.defineProperty(BrokenCircuitError.prototype, 'isBrokenCircuitError', { value: true });
