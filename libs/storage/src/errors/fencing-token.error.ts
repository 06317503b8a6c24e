/**
 * A write was attempted with a fencing token that is no longer the lease's current one: another replica acquired
 * the lease since, so this (deposed) leader must stop. Never retry it; drop the work and step down.
 */
export class FencingTokenError extends Error {
  /** Brand for {@link isFencingTokenError}. */
  readonly isFencingTokenError = true;
  readonly lease: string;
  readonly token: number;

  constructor(lease: string, token: number) {
    super(`fencing token ${token} of lease '${lease}' is stale: another replica leads now`);
    this.name = 'FencingTokenError';
    this.lease = lease;
    this.token = token;
  }
}

export function isFencingTokenError(error: unknown): error is FencingTokenError {
  return (
    typeof error === 'object' && error !== null && (error as FencingTokenError).isFencingTokenError === true
  );
}
