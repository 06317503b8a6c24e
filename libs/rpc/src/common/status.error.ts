import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { isBrokenCircuitError, isTaskCancelledError, isTimeoutError } from '@rebound/resilience';
import { RETRY_AFTER_KEY } from '../constants.ts';

const CODE_NAMES: Record<number, string> = {};
for (const [name, code] of Object.entries(status)) {
  if (typeof code === 'number') CODE_NAMES[code] = name;
}

/** `UNAVAILABLE` for 14, the label used in metrics and logs. */
export function codeName(code: number): string {
  return CODE_NAMES[code] ?? `CODE_${code}`;
}

/** An error carrying a gRPC status, the shape grpc-js callbacks and clients use. */
export class RpcError extends Error implements ServiceError {
  readonly code: status;
  readonly details: string;
  readonly metadata: Metadata;

  constructor(code: status, details: string, metadata: Metadata = new Metadata(), options?: ErrorOptions) {
    super(`${code} ${codeName(code)}: ${details}`, options);
    this.code = code;
    this.details = details;
    this.metadata = metadata;
  }

  override get name(): string {
    return 'RpcError';
  }
}

export function isStatusError(error: unknown): error is ServiceError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'number' &&
    (error as { metadata?: unknown }).metadata instanceof Metadata
  );
}

/** The retry-after hint (ms) a shedding server put in the trailers, if any. */
export function retryAfterMs(error: unknown): number | undefined {
  if (!isStatusError(error)) return undefined;
  const value = error.metadata.get(RETRY_AFTER_KEY)[0];
  if (value === undefined) return undefined;
  const ms = Number(value);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/**
 * Any error from a call, as a gRPC status error: status errors pass through, resilience decisions become the
 * status a caller can act on (open breaker → UNAVAILABLE with a retry-after hint, deadline → DEADLINE_EXCEEDED,
 * cancellation → CANCELLED), anything else becomes UNKNOWN with its message.
 */
export function toStatusError(error: unknown, operation: string): ServiceError {
  if (isStatusError(error)) return error;
  if (isBrokenCircuitError(error)) {
    const metadata = new Metadata();
    const after = error.retryAfterMs;
    if (after !== undefined) metadata.set(RETRY_AFTER_KEY, String(Math.ceil(after)));
    const hint = after === undefined ? '' : `, retry after ${Math.ceil(after)} ms`;
    return new RpcError(status.UNAVAILABLE, `circuit open for ${operation}${hint}`, metadata, {
      cause: error,
    });
  }
  if (isTimeoutError(error)) {
    return new RpcError(status.DEADLINE_EXCEEDED, `deadline exceeded calling ${operation}`, undefined, {
      cause: error,
    });
  }
  if (isTaskCancelledError(error)) {
    return new RpcError(status.CANCELLED, `call to ${operation} cancelled by the caller`, undefined, {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new RpcError(status.UNKNOWN, `${operation} failed: ${message}`, undefined, { cause: error });
}
