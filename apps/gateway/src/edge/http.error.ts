/** One field that failed validation. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * An answer the edge gives instead of the route: every error response has the same JSON shape
 * (`{ error, message, details?, requestId }`) and may carry headers (`Retry-After`).
 */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly isHttpError = true;
  readonly status: number;
  readonly code: string;
  readonly details: readonly FieldProblem[] | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: readonly FieldProblem[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    // The cause is logged, never sent: it may name addresses and internals.
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export function isHttpError(error: unknown): error is HttpError {
  return (
    typeof error === 'object' && error !== null && (error as { isHttpError?: unknown }).isHttpError === true
  );
}

/** `Retry-After` is whole seconds (RFC 9110); never 0, so that clients do wait. */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

export function errorBody(error: HttpError, requestId: string): Record<string, unknown> {
  return {
    error: error.code,
    message: error.message,
    ...(error.details === undefined ? {} : { details: error.details }),
    requestId,
  };
}
