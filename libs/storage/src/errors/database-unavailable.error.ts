/**
 * The database cannot be reached or dropped the connection: refused, timed out, shut down, too many clients.
 * Callers treat it as retryable/unavailable (gRPC UNAVAILABLE, readiness false), unlike a constraint violation.
 */
export class DatabaseUnavailableError extends Error {
  /** Brand for {@link isDatabaseUnavailableError}, which survives two copies of this module being loaded. */
  readonly isDatabaseUnavailableError = true;
  /** Where we tried to connect, with any password removed. */
  readonly target: string;

  constructor(target: string, reason: string, options?: ErrorOptions) {
    super(`database unavailable at ${target}: ${reason}`, options);
    this.name = 'DatabaseUnavailableError';
    this.target = target;
  }
}

export function isDatabaseUnavailableError(error: unknown): error is DatabaseUnavailableError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as DatabaseUnavailableError).isDatabaseUnavailableError === true
  );
}

const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);
// SQLSTATE classes 08 (connection exception) and 57P0x (admin/crash shutdown, cannot connect now), 53300 too many.
const unavailableSqlStates = /^(08...|57P0[1-4]|53300)$/;

/** Whether a driver error means "cannot talk to the database" rather than "the statement failed". */
export function looksUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (unavailableCodes.has(code) || unavailableSqlStates.test(code)))
    return true;
  return /timeout exceeded when trying to connect|Connection terminated|connection timeout|not queryable|Client has encountered a connection error/i.test(
    error.message,
  );
}
