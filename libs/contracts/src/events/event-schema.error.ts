/** Raised when an event fails its schema on the way in (parse) or out (serialize). */
export class EventSchemaError extends Error {
  /** Brand for {@link isEventSchemaError}, which survives two copies of this module being loaded. */
  readonly isEventSchemaError = true;
  /** Each problem as `path: message`, e.g. `orderId: Too small: expected string to have >=1 characters`. */
  readonly issues: readonly string[];

  constructor(what: string, issues: readonly string[], options?: ErrorOptions) {
    super(`${what}: ${issues.join('; ')}`, options);
    this.name = 'EventSchemaError';
    this.issues = issues;
  }
}

export function isEventSchemaError(error: unknown): error is EventSchemaError {
  return (
    typeof error === 'object' && error !== null && (error as EventSchemaError).isEventSchemaError === true
  );
}
