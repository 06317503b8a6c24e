/** A migration cannot be applied: bad file name, duplicate version, changed after applying, or failing SQL. */
export class MigrationError extends Error {
  /** Brand for {@link isMigrationError}. */
  readonly isMigrationError = true;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export function isMigrationError(error: unknown): error is MigrationError {
  return typeof error === 'object' && error !== null && (error as MigrationError).isMigrationError === true;
}
